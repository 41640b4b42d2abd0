/*
 * MurmurHash3, x86 32-bit variant (Austin Appleby, SMHasher, public domain): a well-mixed,
 * well-known hash whose published test vectors pin it (test/unit/rollout/murmur3.test.ts).
 * Written out here rather than taken from a package or node:crypto, so that the wave a device is
 * in can never change with a dependency or a Node version: buckets must be the same in every
 * process, after every restart, for as long as a rollout lives.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The 32-bit hash (unsigned) of `bytes` with `seed`. */
export function murmurHash3x86(bytes: Uint8Array, seed = 0): number {
  let h = seed >>> 0;
  const blocks = bytes.length - (bytes.length % 4);
  for (let i = 0; i < blocks; i += 4) {
    // Little-endian 32-bit blocks, as the reference reads them on x86.
    const k = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
    h ^= mixBlock(k);
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  switch (bytes.length % 4) {
    case 3:
      tail ^= (bytes[blocks + 2] ?? 0) << 16;
    // falls through
    case 2:
      tail ^= (bytes[blocks + 1] ?? 0) << 8;
    // falls through
    case 1:
      tail ^= bytes[blocks] ?? 0;
      h ^= mixBlock(tail);
  }
  h ^= bytes.length;
  return finalMix(h) >>> 0;
}

function mixBlock(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** fmix32: every input bit affects every output bit. */
function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * The UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as TextEncoder does), written out
 * so that the hash depends on nothing of the runtime.
 */
export function utf8Bytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    let code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else {
      bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return Uint8Array.from(bytes);
}
