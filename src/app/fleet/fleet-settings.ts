import type { AttemptRules } from '../../domain/fleet/attempt-rules.js';
import { DEFAULT_ATTEMPT_RULES } from '../../domain/fleet/attempt-rules.js';

/** How the fleet inventory records and keeps what devices do. */
export interface FleetSettings {
  /** When an attempt counts as succeeded or silent, and what a header-only download is. */
  readonly rules: AttemptRules;
  /** Events and finished attempts older than this are pruned. */
  readonly retentionMs: number;
  /** Each device keeps at most this many events. */
  readonly eventsPerDevice: number;
  /**
   * ...and this many update attempts: a device that fails its download in a loop starts one
   * every half minute, which in 30 days would be tens of thousands.
   */
  readonly attemptsPerDevice: number;
  /** Polls reach storage at most this much later (in one batch). */
  readonly flushIntervalMs: number;
  /** A shared-credential download is tied to the device offered that file from its address this recently. */
  readonly attributionWindowMs: number;
  /** How often old events and attempts are pruned. */
  readonly pruneIntervalMs: number;
}

export const DEFAULT_FLEET_SETTINGS: FleetSettings = {
  rules: DEFAULT_ATTEMPT_RULES,
  retentionMs: 30 * 24 * 3600_000,
  eventsPerDevice: 100,
  attemptsPerDevice: 100,
  flushIntervalMs: 1_000,
  attributionWindowMs: 10 * 60_000,
  pruneIntervalMs: 10 * 60_000,
};

export const FLEET_SETTINGS = Symbol.for('fuota.FleetSettings');
