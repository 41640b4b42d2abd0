import { readdir, readFile, rename } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { JournalStatement } from './journal-record.js';
import { scanSegment } from './journal-record.js';

/** Bytes at the end of a segment that replay did not apply, for the operator to hear about. */
export interface SkippedTail {
  readonly segment: string;
  /** Where the skipped bytes begin: the end of the last record replayed from this segment. */
  readonly offset: number;
  readonly bytes: number;
  /**
   * `torn`: a record failed its checksum (a crash or a failed write cut it), and replay of this
   * segment stopped there. `sealed`: a later segment's seal says these bytes were never
   * acknowledged (an append failed and the segment could not be cut back).
   */
  readonly reason: 'torn' | 'sealed';
  /** Records after the torn one that still pass their checksum; nonzero only in journals written before seals existed. */
  readonly intactRecordsAfter: number;
  /** Where the segment was kept for a person to look at (see `keepDamagedSegments`). */
  readonly keptAs?: string;
}

export interface RecoveredJournal {
  /** Every acknowledged entry of every segment, oldest first. */
  readonly entries: JournalStatement[][];
  /** The segment numbers on disk, ascending. */
  readonly segments: number[];
  readonly skipped: SkippedTail[];
}

export function segmentPath(databaseFile: string, sequence: number): string {
  return `${databaseFile}.journal.${sequence}`;
}

export async function listSegments(databaseFile: string): Promise<number[]> {
  const prefix = `${basename(databaseFile)}.journal.`;
  const names = await readdir(dirname(databaseFile));
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/**
 * Reads every segment beside `databaseFile` after `foldedThrough` (those up to it, the database
 * file holds already: they are listed, to be removed, but not replayed). Each segment is replayed
 * on its own up to its first damaged record, or up to the length a later seal gives it, so a
 * damaged older segment never hides the entries of newer ones.
 */
export async function recoverJournal(databaseFile: string, foldedThrough = 0): Promise<RecoveredJournal> {
  const listed = await listSegments(databaseFile);
  const segments = listed.filter((sequence) => sequence > foldedThrough);
  const scanned = await Promise.all(
    segments.map(async (sequence) => scanSegment(await readFile(segmentPath(databaseFile, sequence)))),
  );
  const sealedAt = new Map<number, number>();
  for (const { records } of scanned) {
    for (const { record } of records) {
      if (record.kind === 'seal')
        sealedAt.set(record.segment, Math.min(record.length, sealedAt.get(record.segment) ?? Infinity));
    }
  }
  const entries: JournalStatement[][] = [];
  const skipped: SkippedTail[] = [];
  segments.forEach((sequence, index) => {
    const segment = scanned[index]!;
    const end = Math.min(sealedAt.get(sequence) ?? Infinity, segment.totalBytes);
    for (const { record, end: recordEnd } of segment.records) {
      if (recordEnd <= end && record.kind === 'entry') entries.push(record.statements);
    }
    const path = segmentPath(databaseFile, sequence);
    if (segment.intactBytes < end) {
      const { intactBytes: offset, totalBytes, intactRecordsAfter } = segment;
      skipped.push({ segment: path, offset, bytes: totalBytes - offset, reason: 'torn', intactRecordsAfter });
    } else if (end < segment.totalBytes) {
      skipped.push({
        segment: path,
        offset: end,
        bytes: segment.totalBytes - end,
        reason: 'sealed',
        intactRecordsAfter: 0,
      });
    }
  });
  return { entries, segments: listed, skipped };
}

/**
 * Renames each segment whose skipped tail still holds intact records to `<segment>.skipped`
 * (which replay ignores), so that removing the replayed segments does not destroy what might
 * have been acknowledged writes of a journal written before failed appends were cut back.
 */
export async function keepDamagedSegments(skipped: readonly SkippedTail[]): Promise<SkippedTail[]> {
  return Promise.all(
    skipped.map(async (tail) => {
      if (tail.intactRecordsAfter === 0) return tail;
      const keptAs = `${tail.segment}.skipped`;
      return rename(tail.segment, keptAs).then(
        () => ({ ...tail, keptAs }),
        () => tail,
      );
    }),
  );
}
