import { HEATSHRINK_MAX_COPY, HEATSHRINK_WINDOW_SIZE } from './heatshrink-parameters.js';

/** At each position of the input: the longest copy heatshrink could emit there, and from where. */
export interface LongestMatches {
  /** 0 or 1 where no copy of 2 bytes or more starts; at most HEATSHRINK_MAX_COPY. */
  readonly length: Uint8Array;
  /** How far back the copy starts (1 to HEATSHRINK_WINDOW_SIZE); meaningful where length >= 2. */
  readonly distance: Uint16Array;
}

/** Links are kept by position (or run number) modulo a ring twice the window: older ones are never followed. */
const RING = 2 * HEATSHRINK_WINDOW_SIZE;
const RING_MASK = RING - 1;

/**
 * The exact longest match within the window at every position. The input is searched behind a
 * window's worth of zeros, because the decoder's window starts zero-filled: a copy from before
 * the start is a copy of zeros.
 *
 * A patch stream is mostly runs of one byte (zero differences) between changed bytes, and a plain
 * hash chain on the next two bytes would try every earlier position of every run in the window at
 * every position of a run. So the two cases are searched apart:
 * - in a run of `r` more equal bytes, a match of 2 or more starts in an earlier run of the same
 *   byte. One at least `r` long matches past `r` only from `r` bytes before its end (any other
 *   start in it matches exactly `r` or fewer bytes); a shorter one matches from its first byte in
 *   the window to its end, exactly. So one candidate per earlier run, from a chain of runs;
 * - elsewhere, a hash chain on the next two (different) bytes, which holds no run positions.
 * The match found at the previous position, one byte shorter here, is where each search starts,
 * and a search stops as soon as a match reaches the longest copy allowed.
 */
export function findLongestMatches(data: Uint8Array): LongestMatches {
  const n = data.length;
  const origin = HEATSHRINK_WINDOW_SIZE;
  const total = origin + n;
  const buffer = new Uint8Array(total);
  buffer.set(data, origin);
  const length = new Uint8Array(n);
  const distance = new Uint16Array(n);

  const pairHeads = new Int32Array(1 << 16).fill(-1);
  const pairPrevious = new Int32Array(RING);
  // Finished runs of 2 or more equal bytes: where each ends (exclusive), its length, and the
  // previous run of the same byte.
  const runHeads = new Int32Array(256).fill(-1);
  const runEnd = new Int32Array(RING);
  const runLength = new Int32Array(RING);
  const runPrevious = new Int32Array(RING);
  let runCount = 0;
  let runStart = 0;
  let runStop = 0; // end (exclusive) of the run of equal bytes holding the current position
  let carriedDistance = 0;
  let carriedLength = 0;

  for (let position = 0; position < total; position++) {
    if (position >= runStop) {
      runStart = position;
      runStop = position + 1;
      while (runStop < total && buffer[runStop] === buffer[position]) runStop++;
    }
    if (position >= origin) {
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
      const remainingRun = Math.min(runStop - position, limit);
      if (remainingRun >= 2) {
        // Inside a run, the byte before matches exactly the rest of the run.
        if (position > runStart && remainingRun > bestLength) {
          bestLength = remainingRun;
          bestDistance = 1;
        }
        const byte = buffer[position]!;
        const windowStart = position - HEATSHRINK_WINDOW_SIZE;
        for (let run = runHeads[byte]!; run >= 0 && bestLength < limit && runCount - run <= RING / 2;) {
          const slot = run & RING_MASK;
          const end = runEnd[slot]!;
          if (end <= windowStart) break;
          const aligned = end - remainingRun;
          if (runLength[slot]! >= remainingRun && aligned >= windowStart) {
            if (buffer[aligned + bestLength] === buffer[position + bestLength]) {
              let matched = remainingRun;
              while (matched < limit && buffer[aligned + matched] === buffer[position + matched]) matched++;
              if (matched > bestLength) {
                bestLength = matched;
                bestDistance = position - aligned;
              }
            }
          } else {
            // Too short, or its aligned start out of the window: its first byte in the window
            // matches to its end, where it stops being this byte and the current run goes on.
            const start = Math.max(end - runLength[slot]!, windowStart);
            if (end - start > bestLength) {
              bestLength = end - start;
              bestDistance = position - start;
            }
          }
          run = runPrevious[slot]!;
        }
      } else if (limit >= 2) {
        const key = (buffer[position]! << 8) | buffer[position + 1]!;
        for (
          let candidate = pairHeads[key]!;
          candidate >= 0 && bestLength < limit && position - candidate <= HEATSHRINK_WINDOW_SIZE;
        ) {
          if (buffer[candidate + bestLength] === buffer[position + bestLength]) {
            let matched = 2;
            while (matched < limit && buffer[candidate + matched] === buffer[position + matched]) matched++;
            if (matched > bestLength) {
              bestLength = matched;
              bestDistance = position - candidate;
            }
          }
          candidate = pairPrevious[candidate & RING_MASK]!;
        }
      }
      length[position - origin] = bestLength;
      distance[position - origin] = bestDistance;
      carriedLength = bestLength;
      carriedDistance = bestDistance;
    }
    if (position + 1 === runStop && runStop - runStart >= 2) {
      const slot = runCount & RING_MASK;
      const byte = buffer[position]!;
      runEnd[slot] = runStop;
      runLength[slot] = runStop - runStart;
      runPrevious[slot] = runHeads[byte]!;
      runHeads[byte] = runCount++;
    }
    if (position + 1 < total && buffer[position] !== buffer[position + 1]) {
      const key = (buffer[position]! << 8) | buffer[position + 1]!;
      pairPrevious[position & RING_MASK] = pairHeads[key]!;
      pairHeads[key] = position;
    }
  }
  return { length, distance };
}
