import type { BsdiffControl } from './bsdiff-control.js';
import { stretchSkipping } from './periodic-stretches.js';
import { suffixArray } from './suffix-array.js';
import { longestMatch } from './suffix-search.js';
import type { ByteComparison } from './suffix-search.js';

/**
 * Colin Percival's bsdiff ("Naive differences of executable code", 2003), as bsdiff 4.x and
 * detools make it, step for step, so that the controls equal theirs byte for byte.
 *
 * The new file is scanned for "exact matches" in the old file (the longest match of the suffix
 * array's binary search); between them, the bytes that still agree at the previous match's offset
 * are counted. A new match is only taken when it beats the previous offset by more than 8 bytes
 * (or when the previous offset covers it exactly). Each taken match closes one control: the
 * region before it is split into a forward extension of the previous match (kept while more than
 * half its bytes agree), a backward extension of the new one (the same rule), and extra bytes
 * between them; overlapping extensions are cut where the forward one stops gaining.
 */
export function bsdiffControls(base: Uint8Array, target: Uint8Array): BsdiffControl[] {
  return bsdiffControlsWith(base, target, stretchSkipping(base, target));
}

/** bsdiff with the search's byte comparisons given (tests compare the fast ones with byte by byte). */
export function bsdiffControlsWith(base: Uint8Array, target: Uint8Array, bytes: ByteComparison): BsdiffControl[] {
  const sa = suffixArray(base);
  const oldSize = base.length;
  const newSize = target.length;
  const controls: BsdiffControl[] = [];

  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  while (scan < newSize) {
    let oldScore = 0;
    scan += len;
    let scoredTo = scan;
    for (; scan < newSize; scan++) {
      const found = longestMatch(sa, bytes, scan);
      len = found.length;
      pos = found.position;
      for (; scoredTo < scan + len; scoredTo++) {
        if (scoredTo + lastOffset < oldSize && base[scoredTo + lastOffset] === target[scoredTo]) oldScore++;
      }
      if ((len === oldScore && len !== 0) || len > oldScore + 8) break;
      if (scan + lastOffset < oldSize && base[scan + lastOffset] === target[scan]) oldScore--;
    }

    if (len === oldScore && scan !== newSize) continue;

    // Forward extension of the previous match: the length with the best 2 * agreeing - length.
    let lengthForward = 0;
    {
      let agreeing = 0;
      let best = 0;
      for (let i = 0; lastScan + i < scan && lastPos + i < oldSize;) {
        if (base[lastPos + i] === target[lastScan + i]) agreeing++;
        i++;
        if (agreeing * 2 - i > best * 2 - lengthForward) {
          best = agreeing;
          lengthForward = i;
        }
      }
    }

    // Backward extension of the new match, by the same rule.
    let lengthBack = 0;
    if (scan < newSize) {
      let agreeing = 0;
      let best = 0;
      for (let i = 1; scan >= lastScan + i && pos >= i; i++) {
        if (base[pos - i] === target[scan - i]) agreeing++;
        if (agreeing * 2 - i > best * 2 - lengthBack) {
          best = agreeing;
          lengthBack = i;
        }
      }
    }

    // Where both extensions claim the same new bytes, the cut that keeps the most agreement.
    if (lastScan + lengthForward > scan - lengthBack) {
      const overlap = lastScan + lengthForward - (scan - lengthBack);
      let score = 0;
      let bestScore = 0;
      let cut = 0;
      for (let i = 0; i < overlap; i++) {
        if (target[lastScan + lengthForward - overlap + i] === base[lastPos + lengthForward - overlap + i]) score++;
        if (target[scan - lengthBack + i] === base[pos - lengthBack + i]) score--;
        if (score > bestScore) {
          bestScore = score;
          cut = i + 1;
        }
      }
      lengthForward += cut - overlap;
      lengthBack -= cut;
    }

    controls.push({
      diffLength: lengthForward,
      extraLength: scan - lengthBack - (lastScan + lengthForward),
      seek: pos - lengthBack - (lastPos + lengthForward),
    });
    lastScan = scan - lengthBack;
    lastPos = pos - lengthBack;
    lastOffset = pos - scan;
  }
  return controls;
}
