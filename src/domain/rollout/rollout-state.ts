/**
 * Where a rollout stands:
 *
 *   draft -> running -> paused | halted -> completed | aborted
 *
 * `draft` offers nothing and may be edited; `running` offers; `paused` (by an operator) and
 * `halted` (by itself, on failures) offer nothing, not even again to a device that already has an
 * offer; `completed` and `aborted` are final. See rollout-transitions.ts for every move.
 */
export const ROLLOUT_STATES = ['draft', 'running', 'paused', 'halted', 'completed', 'aborted'] as const;

export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** States no action leaves. */
export const FINAL_ROLLOUT_STATES: ReadonlySet<RolloutState> = new Set(['completed', 'aborted']);

/** States in which the definition may be changed (PATCH): nothing is being offered from it meanwhile. */
export const EDITABLE_ROLLOUT_STATES: ReadonlySet<RolloutState> = new Set(['draft', 'paused']);

export function isRolloutState(value: string): value is RolloutState {
  return (ROLLOUT_STATES as readonly string[]).includes(value);
}

export function isFinalRolloutState(state: RolloutState): boolean {
  return FINAL_ROLLOUT_STATES.has(state);
}
