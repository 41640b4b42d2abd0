import { copyFile, open, readdir, readFile } from 'node:fs/promises';
import { fsyncDirectory } from '../filesystem/durable-file.js';
import { basename, dirname } from 'node:path';
import type { JournalStatement } from './journal-record.js';
import { scanSegment } from './journal-record.js';
import type { SegmentFingerprint } from './segment-fingerprint.js';
import { fingerprintOf, isFingerprinted } from './segment-fingerprint.js';

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
  /** Every acknowledged entry of every segment not folded already, oldest first. */
  readonly entries: JournalStatement[][];
  /** The segment numbers on disk, ascending. */
  readonly segments: number[];
  /** What each segment on disk holds now, by number: a database file that takes them in records it. */
  readonly fingerprints: Map<number, SegmentFingerprint>;
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
 * Reads every segment beside `databaseFile`, but for those the database file holds already
 * (`folded`: its fingerprint of each, see SegmentFingerprint): they are listed, to be removed,
 * but not replayed. Each segment is replayed on its own up to its first damaged record, or up to
 * the length a later seal gives it, so a damaged older segment never hides the entries of newer
 * ones.
 */
export async function recoverJournal(
  databaseFile: string,
  folded: ReadonlyMap<number, SegmentFingerprint> = new Map(),
): Promise<RecoveredJournal> {
  const listed = await listSegments(databaseFile);
  const fingerprints = new Map<number, SegmentFingerprint>();
  const segments: number[] = [];
  const contents: Buffer[] = [];
  for (const sequence of listed) {
    const content = await readFile(segmentPath(databaseFile, sequence));
    fingerprints.set(sequence, fingerprintOf(content));
    const holds = folded.get(sequence);
    if (holds !== undefined && isFingerprinted(content, holds)) continue;
    segments.push(sequence);
    contents.push(content);
  }
  const scanned = contents.map((content) => scanSegment(content));
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
  return { entries, segments: listed, fingerprints, skipped };
}

/**
 * Copies each segment whose skipped tail still holds intact records to `<segment>.skipped`
 * (which replay ignores), so that removing the replayed segments does not destroy what might
 * have been acknowledged writes of a journal written before failed appends were cut back. A copy,
 * made before the database file that takes the segment in is written: a crash at any moment
 * leaves either the segment to replay or the copy.
 */
export async function keepDamagedSegments(skipped: readonly SkippedTail[]): Promise<SkippedTail[]> {
  return Promise.all(
    skipped.map(async (tail) => {
      if (tail.intactRecordsAfter === 0) return tail;
      const keptAs = `${tail.segment}.skipped`;
      return durableCopy(tail.segment, keptAs).then(
        () => ({ ...tail, keptAs }),
        () => tail,
      );
    }),
  );
}

/** `from` copied to `to`, its bytes and its name on disk before this resolves. */
async function durableCopy(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const copy = await open(to, 'r+');
  try {
    await copy.sync();
  } finally {
    await copy.close();
  }
  await fsyncDirectory(dirname(to));
}
