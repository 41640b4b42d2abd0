import { FAILED_ATTEMPT_STATES, type AttemptState } from '../fleet/attempt-state.js';
import type { UpdateAttempt } from '../fleet/update-attempt.js';

/**
 * Every attempt state is either in flight or resolved, never both:
 *
 * - in flight: offered, downloading, downloaded, provisional: the outcome is not known yet.
 * - resolved: succeeded, or failed: rolled-back, download-failed, refused, silent (the outcomes
 *   that count against an update, FAILED_ATTEMPT_STATES).
 *
 * `silent` is resolved although it is not a final attempt state: it counts as a failure (a
 * possible brick), and an attempt that holds a cap slot and a failure at once would let a wave of
 * bricked devices freeze the rollout instead of halting it. If a silent device comes back, its
 * attempt moves on (to provisional, then succeeded, or to rolled-back) and is counted as it is then.
 *
 * `withdrawn` is neither: an offer taken back before anything was fetched (its rollout halted or
 * was aborted) says nothing of the update.
 */
export const IN_FLIGHT_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set([
  'offered',
  'downloading',
  'downloaded',
  'provisional',
]);

export function isInFlight(state: AttemptState): boolean {
  return IN_FLIGHT_ATTEMPT_STATES.has(state);
}

/** A rollout's attempts as the wave counts see them. */
export type SampledAttempt = Pick<UpdateAttempt, 'state' | 'updatedAt'>;

/** Counts of a rollout's attempts: `resolved` = `succeeded` + `failed`. */
export interface WaveSample {
  readonly resolved: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly inFlight: number;
}

/**
 * The counts the halt and advance rules judge: among one rollout's attempts, those resolved at
 * or after `since` (when the current wave began, or the rollout was last resumed, whichever is
 * later: see `countingSince` in rollout.ts), by outcome; and every attempt in flight now,
 * whenever it was offered. An attempt's resolution time is its `updatedAt`: the time it entered
 * its state. An attempt offered in an earlier wave that resolves in this one counts in this one:
 * the wave is judged by what happens during it.
 */
export function sampleWave(attempts: readonly SampledAttempt[], since: number): WaveSample {
  let succeeded = 0;
  let failed = 0;
  let inFlight = 0;
  for (const { state, updatedAt } of attempts) {
    if (isInFlight(state)) inFlight += 1;
    else if (updatedAt < since) continue;
    else if (state === 'succeeded') succeeded += 1;
    else if (FAILED_ATTEMPT_STATES.has(state)) failed += 1;
  }
  return { resolved: succeeded + failed, succeeded, failed, inFlight };
}
