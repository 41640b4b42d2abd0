/*
 * A detools patch's first byte: `(patch type << 4) | compression`. fuota makes, and the device
 * applies, only the sequential type; of the compressions only heatshrink reaches the device, and
 * "none" is read for detools' uncompressed golden patches when asked.
 *
 * After it: the new file's size as a size varint, then one stream (compressed as a whole):
 * varint(data-format section size, 0 here), then per bsdiff step varint(diff length), the diff
 * bytes (new minus old, mod 256), varint(extra length), the extra bytes, varint(seek).
 */
export const SEQUENTIAL_PATCH_TYPE = 0;
export const COMPRESSION_NONE = 0;
export const COMPRESSION_HEATSHRINK = 4;

export const patchTypeByte = (compression: number): number => (SEQUENTIAL_PATCH_TYPE << 4) | compression;

/** detools' names for the numbers, for messages. */
export const PATCH_TYPE_NAMES: Readonly<Record<number, string>> = { 0: 'sequential', 1: 'in-place', 2: 'bsdiff' };
export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'lzma',
  2: 'crle',
  3: 'bz2',
  4: 'heatshrink',
  5: 'zstd',
  6: 'lz4',
};
