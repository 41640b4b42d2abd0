import { reachesPercent } from './percent.js';
import type { HaltRule } from './rollout-definition.js';
import type { WaveSample } from './wave-sample.js';

/**
 * Why a rollout halted by itself, with the counts it was judged on (kept on the rollout and in
 * the `rollout.halted` event): `failure-percent` when the share reached the threshold,
 * `failure-count` when only the count did.
 */
export interface HaltReason {
  readonly kind: 'failure-percent' | 'failure-count';
  readonly resolved: number;
  readonly succeeded: number;
  readonly failed: number;
  /** The thresholds in force, so that the reason reads alone after the definition changed. */
  readonly failurePercent: number;
  readonly failureCount: number;
}

/**
 * The halt rule (issue 17): once at least `minResolved` attempts resolved in the counting window
 * (wave-sample.ts), failures reaching `failurePercent` of them, or `failureCount`, halt the
 * rollout. "Reach" is at-or-over: 2 failures of 10 reach 20%. null: no halt.
 */
export function haltReasonOf(sample: WaveSample, rule: HaltRule): HaltReason | null {
  if (sample.resolved < rule.minResolved) return null;
  const byPercent = reachesPercent(sample.failed, sample.resolved, rule.failurePercent);
  if (!byPercent && sample.failed < rule.failureCount) return null;
  return {
    kind: byPercent ? 'failure-percent' : 'failure-count',
    resolved: sample.resolved,
    succeeded: sample.succeeded,
    failed: sample.failed,
    failurePercent: rule.failurePercent,
    failureCount: rule.failureCount,
  };
}

/** The reason in a sentence, for the API's `haltReason` text, the CLI and logs. */
export function describeHaltReason(reason: HaltReason): string {
  const share = Math.round((reason.failed / reason.resolved) * 10_000) / 100;
  const counts = `${reason.failed} of ${reason.resolved} resolved attempts failed (${share}%)`;
  return reason.kind === 'failure-percent'
    ? `${counts}, at or over the ${reason.failurePercent}% threshold`
    : `${counts}, at or over the threshold of ${reason.failureCount} failures`;
}
