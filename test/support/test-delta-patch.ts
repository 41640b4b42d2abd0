import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';

/*
 * A stand-in patch codec for the device side's tests, until the real codec (delta-patch.ts,
 * another helper's) is merged: the same 64-byte header as Espressif's https_delta_ota example
 * (magic 0xfccdde10 little-endian, the base image's SHA-256, 28 zero bytes), followed by a body
 * far simpler than detools': runs of `[kind u8][length u32 LE]`, kind 0 copying `length` bytes of
 * the base at the same offset, kind 1 followed by `length` literal bytes. Small when the target
 * changes few bytes in place, which is all the serving tests need; the applier is streamed, so
 * the emulator feeds it the way esp_delta_ota is fed.
 */

export const TEST_PATCH_MAGIC = 0xfccdde10;
export const TEST_PATCH_HEADER_SIZE = 64;
export const TEST_PATCH_FORMAT = EDO1_HS8_7;

const COPY = 0;
const LITERAL = 1;

/** The 64-byte header naming `baseImageSha256` (32 bytes). */
export function testPatchHeader(baseImageSha256: Uint8Array): Buffer {
  const header = Buffer.alloc(TEST_PATCH_HEADER_SIZE);
  header.writeUInt32LE(TEST_PATCH_MAGIC, 0);
  Buffer.from(baseImageSha256).copy(header, 4);
  return header;
}

/** A patch from `base` to `target` in the stand-in format, behind the header. */
export function makeTestPatch(base: Uint8Array, target: Uint8Array, baseImageSha256: Uint8Array): Buffer {
  const parts: Buffer[] = [testPatchHeader(baseImageSha256)];
  let at = 0;
  while (at < target.length) {
    const copying = at < base.length && base[at] === target[at];
    let end = at;
    while (end < target.length && (end < base.length && base[end] === target[end]) === copying) end += 1;
    const run = Buffer.alloc(5);
    run.writeUInt8(copying ? COPY : LITERAL, 0);
    run.writeUInt32LE(end - at, 1);
    parts.push(run);
    if (!copying) parts.push(Buffer.from(target.subarray(at, end)));
    at = end;
  }
  return Buffer.concat(parts);
}

/**
 * The stand-in applier, streamed: `pieces` are the patch's bytes (header included) in any
 * sizes, taken one at a time with constant state, as a device takes them from the network.
 * Throws on a body that is cut short or runs past the base.
 */
export function applyTestPatch(base: Uint8Array, pieces: Iterable<Uint8Array>): Uint8Array {
  const out: number[] = [];
  let skip = TEST_PATCH_HEADER_SIZE;
  let runHeader: number[] = [];
  let kind = -1;
  let left = 0;
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i += 1) {
      const byte = piece[i] as number;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      if (left === 0) {
        runHeader.push(byte);
        if (runHeader.length < 5) continue;
        kind = runHeader[0] as number;
        left = Buffer.from(runHeader).readUInt32LE(1);
        runHeader = [];
        if (kind === COPY) {
          if (out.length + left > base.length) throw new Error('the patch copies past the end of the base');
          for (; left > 0; left -= 1) out.push(base[out.length] as number);
        } else if (kind !== LITERAL) {
          throw new Error(`unknown run kind ${kind}`);
        }
        continue;
      }
      out.push(byte);
      left -= 1;
    }
  }
  if (skip > 0 || left > 0 || runHeader.length > 0) throw new Error('the patch ends inside a run');
  return Uint8Array.from(out);
}
