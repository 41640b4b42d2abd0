import { DeltaPatchError } from './delta-patch-error.js';

/*
 * The 64 bytes Espressif's https_delta_ota example puts before the detools patch, and which its
 * device code checks before applying: magic 0xfccdde10 (little-endian), the SHA-256 of the base
 * image as `esp_partition_get_sha256` gives it for the running app (the image's appended
 * SHA-256), then 28 zero bytes.
 */
export const DELTA_PATCH_HEADER_SIZE = 64;
export const DELTA_PATCH_MAGIC = 0xfccdde10;

const DIGEST_OFFSET = 4;
const DIGEST_SIZE = 32;

export interface DeltaPatchHeader {
  readonly baseImageSha256: Uint8Array;
}

export function encodeDeltaPatchHeader(baseImageSha256: Uint8Array): Uint8Array {
  if (baseImageSha256.length !== DIGEST_SIZE)
    throw new RangeError(`a SHA-256 has ${DIGEST_SIZE} bytes, not ${baseImageSha256.length}`);
  const header = new Uint8Array(DELTA_PATCH_HEADER_SIZE);
  new DataView(header.buffer).setUint32(0, DELTA_PATCH_MAGIC, true);
  header.set(baseImageSha256, DIGEST_OFFSET);
  return header;
}

/** The header's base digest (a copy); refuses a short patch, a wrong magic and non-zero padding. */
export function readDeltaPatchHeader(patch: Uint8Array): DeltaPatchHeader {
  if (patch.length < DELTA_PATCH_HEADER_SIZE)
    throw new DeltaPatchError(
      'truncated',
      `${patch.length} bytes, shorter than the ${DELTA_PATCH_HEADER_SIZE}-byte header`,
    );
  const magic = new DataView(patch.buffer, patch.byteOffset, 4).getUint32(0, true);
  if (magic !== DELTA_PATCH_MAGIC)
    throw new DeltaPatchError('bad-magic', `magic 0x${magic.toString(16).padStart(8, '0')}, not 0xfccdde10`);
  for (let at = DIGEST_OFFSET + DIGEST_SIZE; at < DELTA_PATCH_HEADER_SIZE; at++)
    if (patch[at] !== 0) throw new DeltaPatchError('bad-header', `header byte ${at} is not zero`);
  return { baseImageSha256: patch.slice(DIGEST_OFFSET, DIGEST_OFFSET + DIGEST_SIZE) };
}
