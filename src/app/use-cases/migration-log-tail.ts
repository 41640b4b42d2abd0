/*
 * The fleet event log and the audit log number their records as they append them (seq), so a
 * copy cannot be keyed by seq: the target numbers them anew. A rerun must still not duplicate
 * them. The rule: the target's log, read in seq order, must be the source's log from its start
 * (compared by content, seq left out), possibly cut short by an interrupted run; the migration
 * then appends only the source records after that prefix. A target log that differs (another
 * fleet's events, or a server already writing to the target) makes the migration refuse.
 * Records `ignored` (the migration's own audit records) are skipped on the target side.
 */

/** What both logs offer: records ascending by seq, after a cursor. */
export interface SeqLog<R extends { readonly seq: number }> {
  list(query: { readonly after?: number; readonly limit: number }): Promise<R[]>;
}

const PAGE = 1000;

/** Every record of `log`, ascending by seq, read page by page. */
export async function* everyRecord<R extends { readonly seq: number }>(log: SeqLog<R>, after = 0): AsyncIterable<R> {
  let cursor = after;
  for (;;) {
    const page = await log.list({ after: cursor, limit: PAGE });
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) return;
    cursor = last.seq;
  }
}

/** A record's content as a string that does not depend on key order or on the store's numbering. */
export function recordContent(record: object): string {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, inner]) => key !== 'seq' && inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, inner]) => [key, sorted(inner)]));
  };
  return JSON.stringify(sorted(record));
}

/** The record without its seq: what an append takes. */
export function withoutSeq<R extends { readonly seq: number }>(record: R): Omit<R, 'seq'> {
  const { seq: _seq, ...rest } = record;
  return rest;
}

export type LogTail =
  /** The target holds the first `copied` source records; the rest come after source seq `after`. */
  | { readonly kind: 'prefix'; readonly copied: number; readonly after: number }
  /** The target's record `targetSeq` is not the source's next one. */
  | { readonly kind: 'diverges'; readonly targetSeq: number; readonly copied: number };

/** How much of `source` the `target` log already holds (see the comment above). */
export async function copiedPrefix<R extends { readonly seq: number }>(
  source: SeqLog<R>,
  target: SeqLog<R>,
  ignored: (record: R) => boolean,
): Promise<LogTail> {
  const sourceRecords = everyRecord(source)[Symbol.asyncIterator]();
  let copied = 0;
  let after = 0;
  for await (const record of everyRecord(target)) {
    if (ignored(record)) continue;
    const next = await sourceRecords.next();
    if (next.done === true || recordContent(next.value) !== recordContent(record)) {
      await sourceRecords.return?.();
      return { kind: 'diverges', targetSeq: record.seq, copied };
    }
    copied += 1;
    after = next.value.seq;
  }
  await sourceRecords.return?.();
  return { kind: 'prefix', copied, after };
}
