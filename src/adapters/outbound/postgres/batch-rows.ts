/**
 * The last of the items with each id, in byte order of id: one statement cannot touch a row
 * twice, and writes from several processes that lock rows in the same order never deadlock.
 */
export function lastPerId<T>(items: readonly T[], idOf: (item: T) => string): T[] {
  const last = new Map(items.map((item) => [idOf(item), item]));
  return [...last.keys()].sort(byBytes).map((id) => last.get(id)!);
}

/** Byte order of the strings' UTF-8, as `COLLATE "C"` sorts them. */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
