import type { DeviceId } from '../domain/device-id.js';
import type { FleetEvent, FleetEventType, NewLoggedEvent } from '../domain/fleet/fleet-event.js';

/**
 * Which events `list` returns: those after the cursor `after` (a seq), matching every filter
 * given. `deviceId` matches the events that name the device (its own, and the `device.penalized`
 * events naming it); `rolloutId` those of the rollout (its own, and its `device.penalized` ones).
 */
export interface FleetEventQuery {
  readonly after?: number;
  readonly deviceId?: DeviceId;
  readonly rolloutId?: string;
  readonly type?: FleetEventType;
  /** At most this many, ascending by seq. */
  readonly limit: number;
}

/**
 * The fleet's events, devices' and rollouts' (see fleet-event.ts), numbered in append order in
 * one seq space. Every write resolves once it is durable.
 */
export interface FleetEventLog {
  /**
   * Appends the events in order in one durable write and resolves to them with their seq: each
   * greater than every seq ever given before, also after a restart and after pruning.
   */
  append(events: readonly NewLoggedEvent[]): Promise<FleetEvent[]>;
  /** Events ascending by seq (see FleetEventQuery). */
  list(query: FleetEventQuery): Promise<FleetEvent[]>;
  /** The newest events naming one device (`device.penalized` ones included), newest first, at most `limit`. */
  latest(deviceId: DeviceId, limit: number): Promise<FleetEvent[]>;
  /** The greatest seq ever given (0 when none): where a live view starts. */
  lastSeq(): Promise<number>;
  /**
   * Removes events older than `before` (epoch ms), and of each device all but the newest
   * `keepPerDevice` naming it; an event naming no device (a rollout's own) goes by age only.
   * Resolves to how many went.
   */
  prune(options: { readonly before: number; readonly keepPerDevice: number }): Promise<number>;
  /** Removes every event naming the device; resolves to how many there were. */
  deleteDevice(deviceId: DeviceId): Promise<number>;
  close(): Promise<void>;
}

export const FLEET_EVENT_LOG = Symbol.for('fuota.FleetEventLog');
