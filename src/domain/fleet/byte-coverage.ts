import type { ByteSpan } from './update-attempt.js';

/*
 * What part of a file the server has sent, kept as a list of half-open spans `[start, end)` that
 * is sorted, merged and non-overlapping, so that one file's coverage stays a handful of spans no
 * matter how a device fetched it: whole, in Range chunks, or resumed with `Range: bytes=N-`, with
 * retries sending the same bytes twice. Adjacent spans are merged too ([0,10) and [10,20) become
 * [0,20)), so "the whole file was sent" is a single span from 0.
 */

/**
 * `spans` with `span` added, merged with every span it overlaps or touches. An empty span
 * (start >= end) adds nothing. Returns `spans` itself (===) when it already covers `span`, so
 * callers can tell that nothing new was served.
 */
export function addSpan(spans: readonly ByteSpan[], span: ByteSpan): readonly ByteSpan[] {
  const [start, end] = span;
  if (!(start < end)) return spans;
  if (spans.some(([s, e]) => s <= start && end <= e)) return spans;
  const before = spans.filter(([, e]) => e < start);
  const after = spans.filter(([s]) => s > end);
  const touching = spans.filter(([s, e]) => e >= start && s <= end);
  const merged: ByteSpan = [Math.min(start, ...touching.map(([s]) => s)), Math.max(end, ...touching.map(([, e]) => e))];
  return [...before, merged, ...after];
}

/** Whether `[0, size)` has been sent whole. A file of 0 bytes is covered by nothing at all. */
export function coversWhole(spans: readonly ByteSpan[], size: number): boolean {
  if (size <= 0) return true;
  // Merged spans: only the first can start at 0, and it must reach the end on its own.
  const first = spans[0];
  return first !== undefined && first[0] <= 0 && first[1] >= size;
}

/** How many distinct bytes have been sent (bytes sent twice count once). */
export function servedBytes(spans: readonly ByteSpan[]): number {
  return spans.reduce((total, [start, end]) => total + (end - start), 0);
}

/** The end of the furthest span sent, 0 when nothing was: how far into the file the device got. */
export function highestServedEnd(spans: readonly ByteSpan[]): number {
  return spans.at(-1)?.[1] ?? 0;
}
