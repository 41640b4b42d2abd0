import type { ByteComparison } from './suffix-search.js';

/** The longest period looked for: repeated words and small records in flash fill patterns. */
export const MAX_PERIOD = 16;

/** Stretches shorter than their period plus this are left to plain byte comparisons. */
const MIN_BEYOND_PERIOD = 8;

/** Common prefixes are first compared this far byte by byte, before stretches are looked at. */
const PLAIN_PREFIX = 16;

/**
 * For each position i, a period p (1..MAX_PERIOD, 0 for none) and where the stretch from i that
 * repeats with that period ends: bytes[j] === bytes[j - p] for every j in [i + p, end). Of the
 * periods, the one reaching furthest, the smallest on a tie (a stretch's own period: its
 * multiples end at the same place). A run of one byte, such as erased flash's 0xFF, is period 1.
 */
export interface PeriodicStretches {
  readonly period: Uint8Array;
  readonly end: Int32Array;
}

export function periodicStretches(bytes: Uint8Array, maxPeriod = MAX_PERIOD): PeriodicStretches {
  const n = bytes.length;
  const period = new Uint8Array(n);
  const end = new Int32Array(n);
  for (let p = 1; p <= maxPeriod; p++) {
    // repeats: how many positions from i on have bytes[j] === bytes[j + p], consecutively.
    let repeats = 0;
    for (let i = n - 1; i >= 0; i--) {
      repeats = i + p < n && bytes[i] === bytes[i + p] ? repeats + 1 : 0;
      const reach = Math.min(n, i + p + repeats);
      if (reach - i >= p + MIN_BEYOND_PERIOD && reach > end[i]!) {
        period[i] = p;
        end[i] = reach;
      }
    }
  }
  return { period, end };
}

/**
 * The same comparisons as byte by byte, with the same results, but where both sides stand in
 * stretches of the same period and agree on one period's bytes, they agree up to the nearer of
 * the two stretches' ends, which is passed in one step. bsdiff's search compares suffixes inside
 * the same long stretch (0xFF padding, fill patterns) at every scan position; byte by byte that
 * costs the stretch's length each time, quadratic over the stretch.
 */
export function stretchSkipping(base: Uint8Array, target: Uint8Array): ByteComparison {
  const baseStretches = periodicStretches(base);
  const targetStretches = periodicStretches(target);
  const basePeriod = baseStretches.period;
  const baseEnd = baseStretches.end;
  const targetPeriod = targetStretches.period;
  const targetEnd = targetStretches.end;
  // The common prefix's length, capped at `length`; the first differing byte is right after it.
  const common = (at: number, from: number, length: number): number => {
    // Most of the search's comparisons end within a few bytes: those stay a plain loop.
    const plain = Math.min(length, PLAIN_PREFIX);
    let i = 0;
    while (i < plain && base[at + i] === target[from + i]) i++;
    if (i < plain) return i;
    while (i < length && base[at + i] === target[from + i]) {
      const p = basePeriod[at + i]!;
      if (p !== 0 && p === targetPeriod[from + i] && i + p <= length && samePeriod(at + i, from + i, p)) {
        i = Math.min(baseEnd[at + i]! - at, targetEnd[from + i]! - from);
      } else {
        i++;
      }
    }
    return Math.min(i, length);
  };
  const samePeriod = (at: number, from: number, p: number): boolean => {
    for (let k = 1; k < p; k++) if (base[at + k] !== target[from + k]) return false;
    return true;
  };
  return {
    compare(at, from) {
      const length = Math.min(base.length - at, target.length - from);
      const i = common(at, from, length);
      return i < length ? base[at + i]! - target[from + i]! : 0;
    },
    matchLength(at, from) {
      return common(at, from, Math.min(base.length - at, target.length - from));
    },
  };
}
