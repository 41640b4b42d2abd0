import {
  HEATSHRINK_COPY_BITS,
  HEATSHRINK_LITERAL_BITS,
  HEATSHRINK_LOOKAHEAD_BITS,
  HEATSHRINK_PARAMETER_BYTE,
  HEATSHRINK_WINDOW_BITS,
} from './heatshrink-parameters.js';
import { type LongestMatches, findLongestMatches } from './longest-matches.js';

/**
 * Compresses `data` into a heatshrink stream (parameter byte first) that the device's decoder
 * reads back exactly.
 *
 * An optimal parse rather than heatshrink's own greedy one: every literal costs 9 bits and every
 * copy 16 whatever its length or distance, so the cheapest encoding of the rest of the input from
 * each position is known exactly, from the end backwards: a literal and the rest after it, or a
 * copy of any length from 2 up to the longest match there and the rest after that. With the
 * longest match at every position in hand, the best copy length is a minimum over a window of
 * positions that only slides backwards, which a monotone queue answers in constant time.
 */
export function heatshrinkEncode(data: Uint8Array): Uint8Array {
  const matches = findLongestMatches(data);
  const copyLengths = chooseItems(data.length, matches);
  return writeItems(data, matches, copyLengths);
}

/** For each position, the copy length to emit there (0: a literal), in an optimal parse. */
function chooseItems(length: number, matches: LongestMatches): Uint8Array {
  const cost = new Int32Array(length + 1); // bits to encode data[i..]; cost[length] = 0
  const choice = new Uint8Array(length);
  // Positions j whose cost may be the minimum over [i + 2, i + longest(i)], costs rising from the
  // back (largest j, the minimum) to the front; the window's both ends only move down.
  const queue = new Int32Array(length + 3);
  let front = length + 3;
  let back = length + 2;
  for (let i = length - 1; i >= 0; i--) {
    cost[i] = HEATSHRINK_LITERAL_BITS + cost[i + 1]!;
    const candidate = i + 2;
    if (candidate <= length) {
      const candidateCost = cost[candidate]!;
      while (front <= back && cost[queue[front]!]! >= candidateCost) front++;
      queue[--front] = candidate;
    }
    const reach = i + matches.length[i]!;
    while (front <= back && queue[back]! > reach) back--;
    if (front <= back && matches.length[i]! >= 2) {
      const best = queue[back]!;
      const copyCost = HEATSHRINK_COPY_BITS + cost[best]!;
      if (copyCost < cost[i]!) {
        cost[i] = copyCost;
        choice[i] = best - i;
      }
    }
  }
  return choice;
}

function writeItems(data: Uint8Array, matches: LongestMatches, copyLengths: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + Math.ceil((data.length * HEATSHRINK_LITERAL_BITS) / 8));
  out[0] = HEATSHRINK_PARAMETER_BYTE;
  let used = 1;
  let bits = 0;
  let bitCount = 0;
  const put = (value: number, width: number): void => {
    bits = ((bits << width) | value) & 0xffffff;
    bitCount += width;
    while (bitCount >= 8) {
      bitCount -= 8;
      out[used++] = (bits >>> bitCount) & 0xff;
    }
  };
  for (let i = 0; i < data.length;) {
    const copyLength = copyLengths[i]!;
    if (copyLength >= 2) {
      put(0, 1);
      put(matches.distance[i]! - 1, HEATSHRINK_WINDOW_BITS);
      put(copyLength - 1, HEATSHRINK_LOOKAHEAD_BITS);
      i += copyLength;
    } else {
      put(0x100 | data[i]!, HEATSHRINK_LITERAL_BITS);
      i++;
    }
  }
  if (bitCount > 0) out[used++] = (bits << (8 - bitCount)) & 0xff;
  return out.slice(0, used);
}
