/*
 * Percentages in a definition (waves, success and failure thresholds) are given to 0.01: a wave
 * bucket has 10,000 slots (wave-bucket.ts), one per hundredth of a percent. Comparisons are made
 * in whole hundredths so that no float rounding (0.29 * 100 = 28.999...) moves a boundary.
 */

/** Hundredths of a percent in the whole: 100%. */
export const PERCENT_STEPS = 10_000;

/** `percent` in whole hundredths (0.01% -> 1, 100% -> 10000). */
export function hundredths(percent: number): number {
  return Math.round(percent * 100);
}

/** Whether `value` is a percentage in (0, 100] given to at most two decimals. */
export function isStepPercent(value: number): boolean {
  if (!Number.isFinite(value) || value <= 0 || value > 100) return false;
  return Math.abs(value * 100 - hundredths(value)) < 1e-6;
}

/** Whether `part` of `whole` is at least `percent` (false for an empty whole: no share to judge). */
export function reachesPercent(part: number, whole: number, percent: number): boolean {
  return whole > 0 && part * PERCENT_STEPS >= hundredths(percent) * whole;
}
