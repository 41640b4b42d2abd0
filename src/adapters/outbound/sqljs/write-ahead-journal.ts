import { open, readdir, readFile, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SqlValue } from 'sql.js';
import { fsyncDirectory } from '../filesystem/durable-file.js';

/** One parameterized statement; replaying it after it was applied changes nothing (upserts, deletes). */
export type JournalStatement = readonly [sql: string, params: readonly SqlValue[]];

/** `<crc32 hex> <json>\n`: a record torn by a crash fails its CRC and ends the replay there. */
export function encodeEntry(statements: readonly JournalStatement[]): string {
  const json = JSON.stringify(statements);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

function decodeEntries(text: string): JournalStatement[][] {
  const entries: JournalStatement[][] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{8}) (.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) break;
    if (crc32(match[2]).toString(16).padStart(8, '0') !== match[1]) break;
    entries.push(JSON.parse(match[2]) as JournalStatement[]);
  }
  return entries;
}

/**
 * The write-ahead journal beside a database file: `<db>.journal.<n>` segments of entries, each
 * fsynced before its writers are answered. A checkpoint writes the whole database and starts a new
 * segment; older segments are removed once the database file holding their changes is durable.
 */
export class WriteAheadJournal {
  private constructor(
    private readonly databaseFile: string,
    private handle: FileHandle,
    private sequence: number,
    private bytes: number,
  ) {}

  /** Every entry of every segment left on disk, oldest first, to replay onto the database file. */
  static async recover(databaseFile: string): Promise<{ entries: JournalStatement[][]; segments: number[] }> {
    const segments = await listSegments(databaseFile);
    const entries: JournalStatement[][] = [];
    for (const sequence of segments) {
      entries.push(...decodeEntries(await readFile(segmentPath(databaseFile, sequence), 'utf8')));
    }
    return { entries, segments };
  }

  /** Starts a fresh segment after the given ones. */
  static async start(databaseFile: string, after: number): Promise<WriteAheadJournal> {
    const sequence = after + 1;
    const handle = await open(segmentPath(databaseFile, sequence), 'a');
    await fsyncDirectory(dirname(databaseFile));
    return new WriteAheadJournal(databaseFile, handle, sequence, 0);
  }

  /** Bytes appended to the current segment. */
  get size(): number {
    return this.bytes;
  }

  /** Appends the entries and makes them durable. */
  async append(text: string): Promise<void> {
    await this.handle.write(text);
    await this.handle.datasync();
    this.bytes += Buffer.byteLength(text);
  }

  /** Switches appends to a new segment; returns the number of the one closed. */
  async rotate(): Promise<number> {
    const closed = this.sequence;
    const next = await open(segmentPath(this.databaseFile, closed + 1), 'a');
    await fsyncDirectory(dirname(this.databaseFile));
    await this.handle.close();
    this.handle = next;
    this.sequence = closed + 1;
    this.bytes = 0;
    return closed;
  }

  /** Removes segments up to `through`, whose changes a durable database file now holds. */
  async discardThrough(through: number): Promise<void> {
    for (const sequence of await listSegments(this.databaseFile)) {
      if (sequence <= through) await rm(segmentPath(this.databaseFile, sequence), { force: true });
    }
    await fsyncDirectory(dirname(this.databaseFile));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function segmentPath(databaseFile: string, sequence: number): string {
  return `${databaseFile}.journal.${sequence}`;
}

async function listSegments(databaseFile: string): Promise<number[]> {
  const prefix = `${basename(databaseFile)}.journal.`;
  const names = await readdir(dirname(databaseFile));
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

