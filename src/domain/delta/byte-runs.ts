import type { ByteComparison } from './suffix-search.js';

/**
 * For each position, where its run of one repeated byte ends (the first position holding another
 * byte, or the length). Erased flash is long runs of 0xFF; so is zeroed data.
 */
export function runEnds(bytes: Uint8Array): Int32Array {
  const ends = new Int32Array(bytes.length);
  let end = bytes.length;
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (i + 1 < bytes.length && bytes[i] !== bytes[i + 1]) end = i + 1;
    ends[i] = end;
  }
  return ends;
}

/**
 * The same comparisons as byte by byte, with the same results, but where both sides agree on a
 * byte that starts a run on each, the shorter of the two runs is passed in one step. bsdiff's
 * search compares suffixes that lie in the same long run of 0xFF padding at every scan position;
 * byte by byte that costs the run's length each time, quadratic over the run.
 */
export function runSkipping(base: Uint8Array, target: Uint8Array): ByteComparison {
  const baseEnds = runEnds(base);
  const targetEnds = runEnds(target);
  // The common prefix's length, capped at `length`; the first differing byte is right after it.
  const common = (at: number, from: number, length: number): number => {
    let i = 0;
    while (i < length && base[at + i] === target[from + i]) {
      i += Math.min(baseEnds[at + i]! - at, targetEnds[from + i]! - from) - i;
    }
    return Math.min(i, length);
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
