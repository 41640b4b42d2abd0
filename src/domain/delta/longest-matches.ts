import { HEATSHRINK_MAX_COPY, HEATSHRINK_WINDOW_SIZE } from './heatshrink-parameters.js';

/** At each position of the input: the longest copy heatshrink could emit there, and from where. */
export interface LongestMatches {
  /** 0 or 1 where no copy of 2 bytes or more starts; at most HEATSHRINK_MAX_COPY. */
  readonly length: Uint8Array;
  /** How far back the copy starts (1 to HEATSHRINK_WINDOW_SIZE); meaningful where length >= 2. */
  readonly distance: Uint16Array;
}

const RING = 2 * HEATSHRINK_WINDOW_SIZE;
const RING_MASK = RING - 1;

/**
 * The exact longest match within the window at every position, by hash chains on the next two
 * bytes. The input is searched behind a window's worth of zeros, because the decoder's window
 * starts zero-filled: a copy from before the start is a copy of zeros.
 *
 * Two things keep it fast on the inputs a patch stream is made of (long runs of zero differences,
 * repeated code): the match found at the previous position, one byte shorter here, is where the
 * search starts, and the search stops as soon as a match reaches the longest copy allowed.
 * Candidates are checked first at the byte that would make them longer than the best so far.
 */
export function findLongestMatches(data: Uint8Array): LongestMatches {
  const n = data.length;
  const origin = HEATSHRINK_WINDOW_SIZE;
  const total = origin + n;
  const buffer = new Uint8Array(total);
  buffer.set(data, origin);
  const length = new Uint8Array(n);
  const distance = new Uint16Array(n);
  const heads = new Int32Array(1 << 16).fill(-1);
  // Chain links by position modulo the ring: a link older than the window is never followed.
  const previous = new Int32Array(RING);
  const insert = (position: number): void => {
    const key = (buffer[position]! << 8) | buffer[position + 1]!;
    previous[position & RING_MASK] = heads[key]!;
    heads[key] = position;
  };
  for (let position = 0; position < origin && position + 1 < total; position++) insert(position);

  let carriedDistance = 0;
  let carriedLength = 0;
  for (let position = origin; position < total; position++) {
    const limit = Math.min(HEATSHRINK_MAX_COPY, total - position);
    let bestLength = 0;
    let bestDistance = 0;
    if (carriedLength >= 2) {
      // The previous position's match, one byte on: at least one byte shorter, maybe no shorter.
      bestDistance = carriedDistance;
      bestLength = Math.min(carriedLength - 1, limit);
      const from = position - bestDistance;
      while (bestLength < limit && buffer[from + bestLength] === buffer[position + bestLength]) bestLength++;
    }
    if (limit >= 2 && bestLength < limit) {
      const key = (buffer[position]! << 8) | buffer[position + 1]!;
      for (let candidate = heads[key]!; candidate >= 0 && position - candidate <= HEATSHRINK_WINDOW_SIZE;) {
        if (buffer[candidate + bestLength] === buffer[position + bestLength]) {
          let matched = 2;
          while (matched < limit && buffer[candidate + matched] === buffer[position + matched]) matched++;
          if (matched > bestLength) {
            bestLength = matched;
            bestDistance = position - candidate;
            if (matched === limit) break;
          }
        }
        candidate = previous[candidate & RING_MASK]!;
      }
    }
    length[position - origin] = bestLength;
    distance[position - origin] = bestDistance;
    carriedLength = bestLength;
    carriedDistance = bestDistance;
    if (position + 1 < total) insert(position);
  }
  return { length, distance };
}
