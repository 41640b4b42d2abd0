import { crc32 } from 'node:zlib';

/**
 * What a journal segment held when a database file took in its changes: its first `bytes` bytes
 * and their CRC-32. A segment on disk is one the file holds only if it still starts with exactly
 * those bytes: its number alone is not enough, since a release before these fingerprints (run
 * after this one, then cut off by a crash) numbers its segments from 1 again.
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

/** Whether `content` starts with the bytes `fingerprint` was taken of. */
export function startsAsFingerprinted(content: Uint8Array, fingerprint: SegmentFingerprint): boolean {
  return content.length >= fingerprint.bytes && crc32(content.subarray(0, fingerprint.bytes)) === fingerprint.crc;
}
