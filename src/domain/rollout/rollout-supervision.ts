import { autoAdvanceDue } from './auto-advance.js';
import { haltReasonOf } from './halt-check.js';
import { isRolloutComplete } from './rollout-completion.js';
import type { Rollout } from './rollout.js';
import type { RolloutChange } from './rollout-refusal.js';
import { applyRolloutAction } from './rollout-transitions.js';
import type { WaveSample } from './wave-sample.js';

/** What a rollout is judged on: its counts since `countingSince`, and the devices still awaited. */
export interface SupervisionFacts {
  readonly sample: WaveSample;
  /**
   * See `awaitingDevices` (rollout-completion.ts); undefined when not counted (it walks every
   * device, so the app counts it at the last wave, nothing in flight, once a minute).
   */
  readonly awaiting?: number;
  /**
   * Every device the wave holds, counted with `awaiting`: those the rollout has offered to and
   * those it awaits, each once. Undefined when not counted.
   */
  readonly waveDevices?: number;
}

/**
 * The automatic move a running rollout makes at `now`, if any (the app asks after each attempt
 * resolves and on its background sweep): halt first, since failures outrank everything; then
 * complete, at the last wave; then advance by itself. null: nothing to do (and always for a
 * rollout that is not running: a paused or halted rollout never moves by itself).
 */
export function superviseRollout(rollout: Rollout, facts: SupervisionFacts, now: number): RolloutChange | null {
  if (rollout.state !== 'running') return null;
  const reason = haltReasonOf(facts.sample, rollout.definition.halt);
  if (reason !== null) return applyRolloutAction(rollout, { kind: 'halt', reason }, now);
  if (facts.waveDevices !== undefined) {
    // The devices the wave holds are all known: judged against all of them, however few (a wave
    // of 8 devices that all failed never reached minResolved and completed; a review).
    const whole = haltReasonOf(facts.sample, rollout.definition.halt, { waveDevices: facts.waveDevices });
    if (whole !== null) return applyRolloutAction(rollout, { kind: 'halt', reason: whole }, now);
  }
  // Whenever they booted it: an earlier wave's unconfirmed devices let a rollout complete (a new user).
  const { unconfirmed } = facts.sample;
  if (isRolloutComplete(rollout, { inFlight: facts.sample.inFlight, awaiting: facts.awaiting ?? 1, unconfirmed })) {
    return applyRolloutAction(rollout, { kind: 'complete' }, now);
  }
  if (autoAdvanceDue(rollout, facts.sample, now)) return applyRolloutAction(rollout, { kind: 'auto-advance' }, now);
  return null;
}
