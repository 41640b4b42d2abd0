import { crc32 } from 'node:zlib';

/**
 * What a journal segment held when a database file took in its changes: its length and CRC-32.
 * A segment on disk is one the file holds only if it still holds exactly those bytes: its number
 * alone is not enough, since a release before these fingerprints (run after this one, then cut
 * off by a crash) numbers its segments from 1 again.
 */
export interface SegmentFingerprint {
  readonly bytes: number;
  readonly crc: number;
}

export const EMPTY_FINGERPRINT: SegmentFingerprint = { bytes: 0, crc: 0 };

/** The fingerprint of `previous`'s bytes followed by `appended`. */
export function extendedFingerprint(previous: SegmentFingerprint, appended: Uint8Array): SegmentFingerprint {
  return { bytes: previous.bytes + appended.length, crc: crc32(appended, previous.crc) };
}

/** The fingerprint of all of `content`. */
export function fingerprintOf(content: Uint8Array): SegmentFingerprint {
  return extendedFingerprint(EMPTY_FINGERPRINT, content);
}

/**
 * Whether `content` is what `fingerprint` was taken of: as long, with the same CRC-32. Never for
 * an empty fingerprint (an empty segment holds nothing to replay twice, and any segment would
 * match it). A segment sealed after a failed append may hold bytes past its last acknowledged
 * record: it is then replayed, as before fingerprints.
 */
export function isFingerprinted(content: Uint8Array, fingerprint: SegmentFingerprint): boolean {
  return fingerprint.bytes > 0 && content.length === fingerprint.bytes && crc32(content) === fingerprint.crc;
}
