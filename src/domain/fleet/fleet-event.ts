import type { DeviceId } from '../device-id.js';
import type { NewRolloutEvent, RolloutEvent, RolloutEventType } from '../rollout/rollout-event.js';
import { ROLLOUT_EVENT_TYPES } from '../rollout/rollout-event.js';
import { ATTEMPT_STATES } from './attempt-state.js';

/*
 * The fleet event log holds two kinds of event in one seq space, so that one cursor (the API's
 * `after`, the stream's Last-Event-ID) reads both in the order they happened:
 *
 * - a device's event (`NewFleetEvent`, `DeviceEvent`): its timeline; it has no `rolloutId`;
 * - a rollout's event (`NewRolloutEvent`, `RolloutEvent`, see rollout-event.ts): it has a
 *   `rolloutId`, and a `deviceId` only for `device.penalized`, null otherwise.
 *
 * `FleetEvent`, what the log gives back, is either; `rolloutId` tells them apart. (`NewFleetEvent`
 * keeps the name it had before rollout events joined the log: it is a device's event only.)
 */

/**
 * What a device's timeline records: its first check, a change of the version it runs, each
 * attempt transition (typed by the state entered), and operators' changes to it.
 */
export const DEVICE_EVENT_TYPES = ['first-seen', 'version-changed', ...ATTEMPT_STATES, 'device-changed'] as const;

export type DeviceEventType = (typeof DEVICE_EVENT_TYPES)[number];

/** Every type of event the log holds: a device's, then a rollout's. */
export const FLEET_EVENT_TYPES = [...DEVICE_EVENT_TYPES, ...ROLLOUT_EVENT_TYPES] as const;

export type FleetEventType = DeviceEventType | RolloutEventType;

export function isFleetEventType(value: string): value is FleetEventType {
  return (FLEET_EVENT_TYPES as readonly string[]).includes(value);
}

/** Extra facts of an event (versions, file, attempt id, who changed what), flat and JSON-safe. */
export type FleetEventDetail = Readonly<Record<string, string | number | boolean | null>>;

/** A device's event before the log numbered it. `at` is epoch milliseconds. */
export interface NewFleetEvent {
  readonly at: number;
  readonly deviceId: DeviceId;
  readonly type: DeviceEventType;
  readonly detail: FleetEventDetail;
  /** Never set: a device's event has no rollout (what tells it from a rollout's). */
  readonly rolloutId?: undefined;
}

/** A device's event as the log keeps it: `seq` is unique and ascending in append order (a resumable cursor). */
export interface DeviceEvent extends NewFleetEvent {
  readonly seq: number;
}

/** What the log is given to append: a device's event or a rollout's. */
export type NewLoggedEvent = NewFleetEvent | NewRolloutEvent;

/** What the log holds and gives back: a device's event, or a rollout's (it has a `rolloutId`). */
export type FleetEvent = DeviceEvent | RolloutEvent;

export function isRolloutEvent(event: FleetEvent): event is RolloutEvent {
  return event.rolloutId !== undefined;
}
