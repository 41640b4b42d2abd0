import { haltReasonOf } from './halt-check.js';
import { reachesPercent } from './percent.js';
import { isLastWave, type Rollout } from './rollout.js';
import type { WaveSample } from './wave-sample.js';

const MINUTE_MS = 60_000;

/**
 * Whether a rollout's wave advances by itself at `now` (issue 17): the rollout is running with
 * an `advance` rule, the wave is not the last (the last one completes, see
 * rollout-completion.ts), the halt rule does not hold, at least `minResolved` devices resolved
 * in the counting window (`sample`, see wave-sample.ts), `successPercent` of them succeeded, and
 * `soakMinutes` have passed since the wave began; devices whose outcome is pending (booted the
 * image unconfirmed or quiet, or downloaded it without reporting since: maybe bricked, counted
 * as failed only once silent, an hour by default) count against `successPercent` as not yet
 * succeeded: ignored, a soak shorter than the silence timeout let a wave advance past bricks
 * (a review, then a new user).
 *
 * The soak is measured from the wave's beginning, as the issue says, not from a resume: a resume
 * already restarts the counts, so `minResolved` fresh outcomes are needed anyway.
 */
export function autoAdvanceDue(rollout: Rollout, sample: WaveSample, now: number): boolean {
  const rule = rollout.definition.advance;
  if (rule === null || rollout.state !== 'running' || rollout.waveStartedAt === null) return false;
  if (isLastWave(rollout) || haltReasonOf(sample, rollout.definition.halt) !== null) return false;
  // Devices whose outcome is pending (booted it unconfirmed, quiet, or downloaded it and not
  // reported: maybe bricked) count as not succeeded yet: a few under way do not hold a large wave
  // back, many do.
  const pending = sample.provisional + sample.quiet + sample.unreported;
  return (
    sample.resolved >= rule.minResolved &&
    reachesPercent(sample.succeeded, sample.resolved + pending, rule.successPercent) &&
    now - rollout.waveStartedAt >= rule.soakMinutes * MINUTE_MS
  );
}
