import type { DeviceId } from '../device-id.js';
import { ATTEMPT_STATES } from './attempt-state.js';

/**
 * What a device's timeline records: its first check, a change of the version it runs, each
 * attempt transition (typed by the state entered), and operators' changes to it.
 */
export const FLEET_EVENT_TYPES = ['first-seen', 'version-changed', ...ATTEMPT_STATES, 'device-changed'] as const;

export type FleetEventType = (typeof FLEET_EVENT_TYPES)[number];

export function isFleetEventType(value: string): value is FleetEventType {
  return (FLEET_EVENT_TYPES as readonly string[]).includes(value);
}

/** Extra facts of an event (versions, file, attempt id, who changed what), flat and JSON-safe. */
export type FleetEventDetail = Readonly<Record<string, string | number | boolean | null>>;

/** An event before the log numbered it. `at` is epoch milliseconds. */
export interface NewFleetEvent {
  readonly at: number;
  readonly deviceId: DeviceId;
  readonly type: FleetEventType;
  readonly detail: FleetEventDetail;
}

/** An event as the log keeps it: `seq` is unique and ascending in append order (a resumable cursor). */
export interface FleetEvent extends NewFleetEvent {
  readonly seq: number;
}
