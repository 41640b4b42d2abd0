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
  /** Devices that had booted the image, not yet confirmed (0 in a reason stored before it was counted). */
  readonly provisional: number;
  /**
   * Set when the failures broke the rule against every device the wave holds, before
   * `minResolved` of them had an outcome (see haltReasonOf's `waveDevices`); null otherwise.
   */
  readonly waveDevices: number | null;
  /** The thresholds in force, so that the reason reads alone after the definition changed. */
  readonly failurePercent: number;
  readonly failureCount: number;
}

/**
 * The halt rule (issue 17), on devices (wave-sample.ts): once at least `minResolved` devices
 * resolved or booted the image in the counting window, failures reaching `failurePercent` of
 * them, or `failureCount`, halt the rollout. "Reach" is at-or-over: 2 failures of 10 reach 20%.
 * null: no halt.
 *
 * Devices that booted the image (`provisional`) weigh against the failures: a rollback is known
 * at the device's next check, a success only `FUOTA_SUCCESS_POLLS` checks or minutes after it
 * booted, so judged against the resolved alone the first resolved devices are mostly failures.
 * A wave where 3 devices of 20 rolled back (15%) halted at "3 of 10 failed (30%)" under a 20%
 * threshold, before the others could succeed (found by a new user). A provisional device that
 * rolls back after all counts as failed from its next check on.
 */
export function haltReasonOf(
  sample: WaveSample,
  rule: HaltRule,
  options: { readonly waveDevices?: number } = {},
): HaltReason | null {
  const judged = sample.resolved + sample.provisional;
  const counts = { resolved: sample.resolved, succeeded: sample.succeeded, failed: sample.failed };
  const thresholds = { failurePercent: rule.failurePercent, failureCount: rule.failureCount };
  if (judged < rule.minResolved) {
    // Every device the wave holds is known (`waveDevices`: resolved, in flight or still awaited):
    // failures that break the rule however the others end halt it now, however few the devices
    // (a bench list of 8 with one offline never reached minResolved, and its absent device got the
    // bad image when it came back; found by a new user).
    const whole = options.waveDevices;
    if (whole === undefined || sample.failed === 0 || !reachesPercent(sample.failed, whole, rule.failurePercent))
      return null;
    return { kind: 'failure-percent', ...counts, provisional: sample.provisional, waveDevices: whole, ...thresholds };
  }
  const byPercent = reachesPercent(sample.failed, judged, rule.failurePercent);
  if (!byPercent && sample.failed < rule.failureCount) return null;
  return {
    kind: byPercent ? 'failure-percent' : 'failure-count',
    ...counts,
    provisional: sample.provisional,
    waveDevices: null,
    ...thresholds,
  };
}

/** The share of failures the halt rule weighs (failed of resolved and provisional devices, quiet ones aside); null before any. */
export function failureShare(sample: WaveSample): number | null {
  const judged = sample.resolved + sample.provisional;
  return judged === 0 ? null : sample.failed / judged;
}

/** The reason in a sentence, for the API's `haltReason` text, the CLI and logs. */
export function describeHaltReason(reason: HaltReason): string {
  if (reason.waveDevices !== null) {
    const share = Math.round((reason.failed / reason.waveDevices) * 10_000) / 100;
    return (
      `${reason.failed} of the wave's ${reason.waveDevices} devices failed (${share}%), at or over the ` +
      `${reason.failurePercent}% threshold however the others end`
    );
  }
  const judged = reason.resolved + reason.provisional;
  const share = Math.round((reason.failed / judged) * 10_000) / 100;
  const booted =
    reason.provisional === 0 ? '' : `; ${reason.provisional} of the ${judged} booted the image, not yet confirmed`;
  const counts = `${reason.failed} of ${judged} devices failed (${share}%${booted})`;
  return reason.kind === 'failure-percent'
    ? `${counts}, at or over the ${reason.failurePercent}% threshold`
    : `${counts}, at or over the threshold of ${reason.failureCount} failures`;
}
