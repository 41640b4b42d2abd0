import type { DeviceId } from '../device-id.js';
import type { FleetEventDetail } from '../fleet/fleet-event.js';
import type { PenalizedImage, Penalty } from './penalty-box.js';
import type { RolloutId } from './rollout-id.js';

/**
 * What the events stream tells of rollouts (issue 17). A rollout's own events name no device;
 * `device.penalized` names both the device and the rollout whose offer failed last.
 *
 * The details, flat and JSON-safe like the fleet's:
 * - `rollout.started`: wave, percent
 * - `rollout.wave-advanced`: from, to (wave indexes), percent (the new wave's), auto
 * - `rollout.paused`: wave (an operator's pause: the issue named none, but every other move has
 *   one, and without it a live view showed a paused rollout as running until something else moved)
 * - `rollout.halted`: reason (kind), text, resolved, succeeded, failed, provisional, waveDevices, failurePercent, failureCount, wave
 * - `rollout.resumed`: from (paused or halted), wave
 * - `rollout.completed`: wave, auto (false: an operator advanced past the last wave)
 * - `rollout.aborted`: from (the state aborted), wave
 * - `device.penalized`: file, version, failures, until (epoch ms here; ISO 8601 in the API)
 */
export const ROLLOUT_EVENT_TYPES = [
  'rollout.started',
  'rollout.wave-advanced',
  'rollout.paused',
  'rollout.halted',
  'rollout.resumed',
  'rollout.completed',
  'rollout.aborted',
  'device.penalized',
] as const;

export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];

export function isRolloutEventType(value: string): value is RolloutEventType {
  return (ROLLOUT_EVENT_TYPES as readonly string[]).includes(value);
}

/** An event before the log numbered it. `at` is epoch milliseconds. */
export interface NewRolloutEvent {
  readonly at: number;
  readonly rolloutId: RolloutId;
  /** Set for `device.penalized` only. */
  readonly deviceId: DeviceId | null;
  readonly type: RolloutEventType;
  readonly detail: FleetEventDetail;
}

/** An event as the log keeps it: `seq` is unique and ascending in append order (a resumable cursor). */
export interface RolloutEvent extends NewRolloutEvent {
  readonly seq: number;
}

/** The event for a device that has just entered the penalty box (see `penaltyStartedBy`). */
export function devicePenalizedEvent(
  rolloutId: RolloutId,
  deviceId: DeviceId,
  image: PenalizedImage,
  penalty: Penalty,
): NewRolloutEvent {
  return {
    at: penalty.lastFailureAt,
    rolloutId,
    deviceId,
    type: 'device.penalized',
    detail: { file: image.file, version: image.version, failures: penalty.failures, until: penalty.until },
  };
}
