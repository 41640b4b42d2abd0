import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { espsecureKeyMaterial } from '../../src/domain/firmware/public-key-material.js';

/** Chip ids as in esp_app_format.h. */
export const CHIP_IDS = {
  esp32: 0,
  esp32s2: 2,
  esp32c3: 5,
  esp32s3: 9,
  esp32c2: 12,
  esp32c6: 13,
  esp32h2: 16,
  esp32p4: 18,
  esp32c61: 20,
  esp32c5: 23,
} as const;
export type ChipName = keyof typeof CHIP_IDS;

export interface ImageOptions {
  readonly chip?: ChipName;
  /** Data length of each segment (multiples of 4; the first at least 256). */
  readonly segmentLengths?: readonly number[];
  readonly hashAppended?: boolean;
  /** Append a structurally valid (cryptographically bogus) Secure Boot v2 sector with this many blocks. */
  readonly signatureBlocks?: 0 | 1 | 2 | 3;
  /**
   * Sign the image for real, one block per PEM private key (RSA-3072 or ECDSA P-192/P-256/P-384),
   * as espsecure sign_data --version 2 [--append_signatures] lays them out; instead of
   * `signatureBlocks`.
   */
  readonly signingKeys?: readonly string[];
  readonly version?: string;
  readonly projectName?: string;
  readonly idfVersion?: string;
  readonly secureVersion?: number;
  readonly date?: string;
  readonly time?: string;
  readonly minChipRevFull?: number;
  readonly maxChipRevFull?: number;
  /** Seed of the filler bytes, so that a failing property can be replayed. */
  readonly seed?: number;
}

/** A small deterministic PRNG (mulberry32) for filler bytes and property tests. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cString(text: string, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write(text, 'utf8');
  return bytes;
}

/**
 * Builds a structurally valid ESP-IDF application image, laid out as esp_app_format.h and
 * esptool's elf2image lay it out (mirrors ../shared/tools/mkimage.py): header, segments (the
 * first starting with esp_app_desc_t), zero padding with the XOR checksum as the last byte of a
 * 16-byte block, the optional SHA-256, the optional signature sector.
 */
export function buildEspImage(options: ImageOptions = {}): Buffer {
  const random = prng(options.seed ?? 1);
  const lengths = options.segmentLengths ?? [512, 256];
  const header = Buffer.alloc(24);
  header[0] = 0xe9;
  header[1] = lengths.length;
  header[2] = 2; // DIO
  header[3] = 0x20; // 4MB, 40MHz
  header.writeUInt32LE(0x40081000, 4);
  header[8] = 0xee;
  header.writeUInt16LE(CHIP_IDS[options.chip ?? 'esp32'], 12);
  header.writeUInt16LE(options.minChipRevFull ?? 0, 15);
  header.writeUInt16LE(options.maxChipRevFull ?? 399, 17);
  header[23] = options.hashAppended === false ? 0 : 1;

  const appDesc = Buffer.alloc(256);
  appDesc.writeUInt32LE(0xabcd5432, 0);
  appDesc.writeUInt32LE(options.secureVersion ?? 0, 4);
  cString(options.version ?? '1.0.0', 32).copy(appDesc, 16);
  cString(options.projectName ?? 'demo', 32).copy(appDesc, 48);
  cString(options.time ?? '12:00:00', 16).copy(appDesc, 80);
  cString(options.date ?? 'Nov 26 2026', 16).copy(appDesc, 96);
  cString(options.idfVersion ?? 'v5.4.1', 32).copy(appDesc, 112);
  createHash('sha256')
    .update(`elf-${options.seed ?? 1}`)
    .digest()
    .copy(appDesc, 144);

  const parts: Buffer[] = [header];
  let checksum = 0xef;
  lengths.forEach((length, index) => {
    const segmentHeader = Buffer.alloc(8);
    segmentHeader.writeUInt32LE(0x3f400020 + index * 0x10000, 0);
    segmentHeader.writeUInt32LE(length, 4);
    const data = Buffer.alloc(length);
    for (let i = 0; i < length; i += 1) data[i] = Math.floor(random() * 256);
    if (index === 0) appDesc.copy(data, 0);
    for (const byte of data) checksum ^= byte;
    parts.push(segmentHeader, data);
  });
  let image = Buffer.concat(parts);
  const padding = Buffer.alloc(15 - (image.length % 16));
  image = Buffer.concat([image, padding, Buffer.from([checksum])]);
  if (options.hashAppended !== false) image = Buffer.concat([image, createHash('sha256').update(image).digest()]);
  if (options.signingKeys !== undefined && options.signingKeys.length > 0) return signImage(image, options.signingKeys);
  const blocks = options.signatureBlocks ?? 0;
  return blocks > 0 ? appendSignatureSector(image, blocks, random) : image;
}

const padToSector = (image: Buffer): Buffer =>
  Buffer.concat([image, Buffer.alloc((4096 - (image.length % 4096)) % 4096, 0xff)]);

const littleEndian = (bigEndian: Buffer, size: number): Buffer =>
  Buffer.concat([Buffer.alloc(size - bigEndian.length), bigEndian]).reverse();

/** One real Secure Boot v2 block signing `padded` with `privateKeyPem` (espsecure's _sign_v2 layout). */
export function signatureBlock(padded: Buffer, privateKeyPem: string): Buffer {
  const privateKey = createPrivateKey(privateKeyPem);
  const block = Buffer.alloc(1216);
  block[0] = 0xe7;
  if (privateKey.asymmetricKeyType === 'rsa') {
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const modulus = Buffer.from(jwk.n ?? '', 'base64url');
    const exponent = Buffer.from(jwk.e ?? '', 'base64url');
    block[1] = 2;
    createHash('sha256').update(padded).digest().copy(block, 4);
    Buffer.from(espsecureKeyMaterial({ kind: 'rsa', modulus, exponent: exponent.readUIntBE(0, exponent.length) })).copy(
      block,
      36,
    );
    const signature = sign('sha256', padded, {
      key: privateKey,
      padding: 6 /* RSA_PKCS1_PSS_PADDING */,
      saltLength: 32,
    });
    Buffer.from(signature).reverse().copy(block, 812);
  } else {
    const named = privateKey.asymmetricKeyDetails?.namedCurve;
    const curve = named === 'secp384r1' ? 'P-384' : named === 'prime256v1' ? 'P-256' : 'P-192';
    const size = { 'P-192': 24, 'P-256': 32, 'P-384': 48 }[curve];
    const wide = curve === 'P-384';
    const hash = wide ? 'sha384' : 'sha256';
    // The SubjectPublicKeyInfo ends with the uncompressed point 04 || x || y (JWK cannot name P-192).
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    const x = spki.subarray(spki.length - 2 * size, spki.length - size);
    const y = spki.subarray(spki.length - size);
    block[1] = 3;
    block[2] = wide ? 1 : 0;
    const digestEnd = wide ? 52 : 36;
    createHash(hash).update(padded).digest().copy(block, 4);
    Buffer.from(espsecureKeyMaterial({ kind: 'ecdsa', curve, x, y })).copy(block, digestEnd);
    const signature = sign(hash, padded, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const field = wide ? 96 : 64;
    littleEndian(signature.subarray(0, size), size).copy(block, digestEnd + 1 + field);
    littleEndian(signature.subarray(size), size).copy(block, digestEnd + 1 + field + size);
  }
  block.writeUInt32LE(crc32(block.subarray(0, 1196)) >>> 0, 1196);
  return block;
}

/** `image` padded with 0xFF to 4 KiB and followed by a sector of real signature blocks. */
export function signImage(image: Buffer, privateKeysPem: readonly string[]): Buffer {
  const padded = padToSector(image);
  const sector = Buffer.alloc(4096, 0xff);
  privateKeysPem.forEach((pem, n) => signatureBlock(padded, pem).copy(sector, n * 1216));
  return Buffer.concat([padded, sector]);
}

/** espsecure's layout: 0xFF to a 4 KiB boundary, then blocks of 1216 bytes and 0xFF to 4096. */
function appendSignatureSector(image: Buffer, blocks: number, random: () => number): Buffer {
  const padded = padToSector(image);
  const digest = createHash('sha256').update(padded).digest();
  const sector = Buffer.alloc(4096, 0xff);
  for (let n = 0; n < blocks; n += 1) {
    const block = Buffer.alloc(1216);
    block[0] = 0xe7;
    block[1] = 2; // RSA-3072
    digest.copy(block, 4);
    for (let i = 36; i < 1196; i += 1) block[i] = Math.floor(random() * 256);
    block.writeUInt32LE(crc32(block.subarray(0, 1196)) >>> 0, 1196);
    block.copy(sector, n * 1216);
  }
  return Buffer.concat([padded, sector]);
}
