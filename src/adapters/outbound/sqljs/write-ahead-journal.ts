import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileIo, WritableFile } from '../filesystem/file-io.js';
import { writeAll } from '../filesystem/file-io.js';
import { fsyncDirectory } from '../filesystem/durable-file.js';
import { encodeSeal } from './journal-record.js';
import { JournalTaken } from './journal-taken.js';
import { listSegments, segmentPath } from './journal-recovery.js';
import type { SegmentFingerprint } from './segment-fingerprint.js';
import { EMPTY_FINGERPRINT, extendedFingerprint, fingerprintOf } from './segment-fingerprint.js';

/**
 * The write-ahead journal beside a database file: `<db>.journal.<n>` segments of records, each
 * fsynced before its writers are answered. A checkpoint writes the whole database and starts a new
 * segment; older segments are removed once the database file holding their changes is durable.
 *
 * A failed append (a short write then ENOSPC, EIO on write or on datasync) may have left some or
 * all of its bytes in the segment, and after a failed datasync nobody knows which will survive.
 * None of them were acknowledged, so none may ever be replayed, and no later record may follow
 * them (replay stops at a torn record). The rule:
 *  1. cut the segment back to the end of the last acknowledged record and fsync it;
 *  2. if that fails, abandon the segment: start a new one whose first record is a seal naming the
 *     old segment and that length, and append there once the seal is durable. Replay reads a
 *     sealed segment only up to the sealed length.
 * Until one of the two has succeeded, every append first retries them and fails if they fail:
 * a record acknowledged after an unacknowledged one in the same segment would either be lost
 * behind it (torn) or bring it back with it (complete but never answered 200). The one window
 * left: a crash while neither works (the disk full and truncate failing, or every sync failing),
 * when a complete failed record may still replay; nothing on such a disk can be made durable.
 *
 * The journal belongs to the process holding the data dir lock. A process that took the lock over
 * (believing this one dead: frozen past the stale time, or its heartbeat failing) replays the
 * segments, folds them into the database file and removes them. So after each datasync, before a
 * record is acknowledged, the segment must still have a name: with none, the records would never
 * be replayed, and the append fails with JournalTaken, as does every later one. Segments are
 * created exclusively for the same reason: one that exists already was made by such a process.
 */
export class WriteAheadJournal {
  /** Bytes after `bytes` in the current segment may hold records that failed. */
  private damaged = false;
  /** Set once another process took the journal over: nothing more is written. */
  private taken: JournalTaken | undefined;

  /** What each segment of this run holds up to its last acknowledged record (see SegmentFingerprint). */
  private readonly fingerprints = new Map<number, SegmentFingerprint>();

  private constructor(
    private readonly databaseFile: string,
    private readonly io: FileIo,
    private handle: WritableFile,
    private sequence: number,
    /** The end of the last acknowledged record in the current segment. */
    private bytes: number,
    /** Never reused, even for a segment whose creation failed, so a leftover cannot collide. */
    private nextSequence: number,
  ) {
    this.fingerprints.set(sequence, EMPTY_FINGERPRINT);
  }

  /** The fingerprints of this run's segments up to `through`, by number. */
  fingerprintsThrough(through: number): Map<number, SegmentFingerprint> {
    return new Map([...this.fingerprints].filter(([sequence]) => sequence <= through));
  }

  /** Forgets the fingerprints of segments up to `through` (removed: a database file holds them). */
  forgetThrough(through: number): void {
    for (const sequence of [...this.fingerprints.keys()]) if (sequence <= through) this.fingerprints.delete(sequence);
  }

  /** Starts a fresh segment after the given ones. */
  static async start(databaseFile: string, after: number, io: FileIo): Promise<WriteAheadJournal> {
    const sequence = after + 1;
    const handle = await openSegment(databaseFile, sequence, io);
    return new WriteAheadJournal(databaseFile, io, handle, sequence, 0, sequence + 1);
  }

  /** Whether another process took the journal over (then the database file is its too). */
  get takenOver(): boolean {
    return this.taken !== undefined;
  }

  /** The current segment's number. */
  get segment(): number {
    return this.sequence;
  }

  /** Bytes appended to the current segment. */
  get size(): number {
    return this.bytes;
  }

  /** Appends the records and makes them durable; when it fails, none of them will ever replay. */
  async append(text: string): Promise<void> {
    if (this.taken !== undefined) throw this.taken;
    if (this.damaged) await this.repair();
    const bytes = Buffer.from(text);
    try {
      // At an explicit position: after a cut, the file offset would still point past the end.
      await writeAll(this.handle, bytes, this.bytes);
      await this.handle.datasync();
    } catch (error) {
      this.damaged = true;
      // When this fails too, the next append tries again before writing anything.
      await this.repair().catch(() => {});
      throw error;
    }
    // One fstat per group commit: the cheapest way to know the records will be replayed.
    if ((await this.handle.links?.()) === 0)
      throw this.giveUp(new JournalTaken(segmentPath(this.databaseFile, this.sequence), 'removed'));
    this.bytes += bytes.length;
    this.fingerprints.set(
      this.sequence,
      extendedFingerprint(this.fingerprints.get(this.sequence) ?? EMPTY_FINGERPRINT, bytes),
    );
  }

  /** Switches appends to a new segment; returns the number of the one closed. */
  async rotate(): Promise<number> {
    if (this.taken !== undefined) throw this.taken;
    if (this.damaged) await this.repair();
    const closed = this.sequence;
    const sequence = this.nextSequence++;
    const next = await this.openSegment(sequence);
    await this.handle.close().catch(() => {});
    this.handle = next;
    this.sequence = sequence;
    this.bytes = 0;
    this.fingerprints.set(sequence, EMPTY_FINGERPRINT);
    return closed;
  }

  /** Removes segments up to `through`, whose changes a durable database file now holds. */
  async discardThrough(through: number): Promise<void> {
    for (const sequence of await listSegments(this.databaseFile)) {
      if (sequence <= through) await rm(segmentPath(this.databaseFile, sequence), { force: true });
    }
    await fsyncDirectory(dirname(this.databaseFile), this.io);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Rule 1, else rule 2 (see the class comment); throws when neither worked. */
  private async repair(): Promise<void> {
    try {
      await this.handle.truncate(this.bytes);
      await this.handle.sync();
      this.damaged = false;
      return;
    } catch {
      // The tail stays; seal it from a new segment instead.
    }
    const sequence = this.nextSequence++;
    const seal = Buffer.from(encodeSeal(this.sequence, this.bytes));
    const next = await this.openSegment(sequence);
    try {
      await writeAll(next, seal, 0);
      await next.datasync();
    } catch (error) {
      // A torn seal in a segment of its own hides nothing: replay skips it (and says so).
      await next.close().catch(() => {});
      await rm(segmentPath(this.databaseFile, sequence), { force: true }).catch(() => {});
      throw error;
    }
    await this.handle.close().catch(() => {});
    this.handle = next;
    this.sequence = sequence;
    this.bytes = seal.length;
    this.fingerprints.set(sequence, fingerprintOf(seal));
    this.damaged = false;
  }

  /** A new segment; one that exists already means another process took the journal over. */
  private async openSegment(sequence: number): Promise<WritableFile> {
    return openSegment(this.databaseFile, sequence, this.io).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST')
        throw this.giveUp(new JournalTaken(segmentPath(this.databaseFile, sequence), 'made'));
      throw error;
    });
  }

  private giveUp(error: JournalTaken): JournalTaken {
    this.taken = error;
    return error;
  }
}

/** Creates segment `sequence` and makes its name durable; nothing is left open when that fails. */
async function openSegment(databaseFile: string, sequence: number, io: FileIo): Promise<WritableFile> {
  // 'wx': numbers are never reused (a failed attempt's leftover keeps its number), so a segment
  // that exists was made by another process (see the class comment).
  const handle = await io.open(segmentPath(databaseFile, sequence), 'wx');
  try {
    await fsyncDirectory(dirname(databaseFile), io);
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}
