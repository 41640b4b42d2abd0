import { crc32 } from 'node:zlib';
import type { SqlValue } from 'sql.js';

/** One parameterized statement; replaying it after it was applied changes nothing (upserts, deletes). */
export type JournalStatement = readonly [sql: string, params: readonly SqlValue[]];

/**
 * One line of a journal segment: the statements of one write, or a seal. A seal is written first
 * in a new segment when an older one could not be cut back after a failed append: it says that
 * only the first `length` bytes of segment `segment` hold acknowledged records.
 */
export type JournalRecord =
  | { readonly kind: 'entry'; readonly statements: JournalStatement[] }
  | { readonly kind: 'seal'; readonly segment: number; readonly length: number };

/** What one segment's bytes hold: its intact records up to the first damaged one. */
export interface ScannedSegment {
  /** Intact records in order, each with the byte offset just after it. */
  readonly records: readonly { readonly record: JournalRecord; readonly end: number }[];
  /** Bytes up to the end of the last intact record before the first damaged one. */
  readonly intactBytes: number;
  readonly totalBytes: number;
  /** Records after the first damaged one that still pass their checksum (none in journals we write). */
  readonly intactRecordsAfter: number;
}

/** `<crc32 hex> <json>\n`: a record torn by a crash or a full disk fails its CRC. */
function frame(json: string): string {
  return `${checksum(json)} ${json}\n`;
}

export function encodeEntry(statements: readonly JournalStatement[]): string {
  return frame(JSON.stringify(statements));
}

export function encodeSeal(segment: number, length: number): string {
  return frame(JSON.stringify({ seal: segment, length }));
}

/** Reads records up to the first one that is torn or damaged; what follows is not trusted. */
export function scanSegment(bytes: Buffer): ScannedSegment {
  const records: { record: JournalRecord; end: number }[] = [];
  let offset = 0;
  for (;;) {
    const record = decodeLine(bytes, offset);
    if (record === undefined) break;
    offset = record.end;
    records.push(record);
  }
  return {
    records,
    intactBytes: offset,
    totalBytes: bytes.length,
    intactRecordsAfter: countIntactAfter(bytes, offset),
  };
}

function decodeLine(bytes: Buffer, offset: number): { record: JournalRecord; end: number } | undefined {
  const newline = bytes.indexOf(10, offset);
  if (newline < 0) return undefined;
  const match = /^([0-9a-f]{8}) (.*)$/.exec(bytes.toString('utf8', offset, newline));
  if (match?.[1] === undefined || match[2] === undefined || checksum(match[2]) !== match[1]) return undefined;
  const record = parseRecord(match[2]);
  return record === undefined ? undefined : { record, end: newline + 1 };
}

function parseRecord(json: string): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) return { kind: 'entry', statements: value as JournalStatement[] };
  const seal = value as { seal?: unknown; length?: unknown } | null;
  if (typeof seal?.seal === 'number' && typeof seal.length === 'number')
    return { kind: 'seal', segment: seal.seal, length: seal.length };
  return undefined;
}

/**
 * For the warning about a damaged segment: records after the damaged one that pass their checksum,
 * at a line start or glued to the end of a torn line (as the old journal wrote them after a failed
 * append). Ours never follow a damaged record; a journal written before that rule may hold some.
 */
function countIntactAfter(bytes: Buffer, offset: number): number {
  let count = 0;
  for (const line of bytes.toString('utf8', offset).split('\n')) {
    for (const start of line.matchAll(/[0-9a-f]{8} (?=[[{])/g)) {
      const match = /^([0-9a-f]{8}) (.*)$/.exec(line.slice(start.index));
      if (
        match?.[1] !== undefined &&
        match[2] !== undefined &&
        checksum(match[2]) === match[1] &&
        parseRecord(match[2]) !== undefined
      ) {
        count += 1;
        break;
      }
    }
  }
  return count;
}

function checksum(json: string): string {
  return crc32(json).toString(16).padStart(8, '0');
}
