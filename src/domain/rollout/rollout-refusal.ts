import type { FieldProblem } from './field-problem.js';
import type { Rollout } from './rollout.js';
import type { NewRolloutEvent } from './rollout-event.js';

/**
 * Why a rollout cannot do what was asked, with a stable code (the HTTP layer maps each to a
 * status: the conflicts to 409, an invalid definition to 400 with every problem):
 *
 * - `rollout-state-conflict`: the action is not allowed in the rollout's state (pause a draft,
 *   resume a running rollout, anything on a completed or aborted one).
 * - `rollout-wave-conflict`: the action does not fit the current wave (advance by itself from
 *   the last wave, complete before it).
 * - `invalid-rollout`: the definition has problems (rollout-validation.ts).
 */
export type RolloutRefusal =
  | { readonly code: 'rollout-state-conflict' | 'rollout-wave-conflict'; readonly message: string }
  | { readonly code: 'invalid-rollout'; readonly message: string; readonly problems: readonly FieldProblem[] };

export type RolloutRefusalCode = RolloutRefusal['code'];

/** The outcome of an action: the rollout after it and the events it makes, or a refusal (nothing changed). */
export type RolloutChange =
  | { readonly ok: true; readonly rollout: Rollout; readonly events: readonly NewRolloutEvent[] }
  | { readonly ok: false; readonly refusal: RolloutRefusal };
