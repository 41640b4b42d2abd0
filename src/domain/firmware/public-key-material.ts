import type { SignaturePublicKey } from './signature-block.js';

const CURVE_IDS = { 'P-192': 1, 'P-256': 2, 'P-384': 3 } as const;

const toBigInt = (bytes: Uint8Array): bigint => bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);

/** `value` as `size` little-endian bytes. */
function littleEndian(value: bigint, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let rest = value;
  for (let i = 0; i < size; i += 1) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** -n⁻¹ mod 2³² (Montgomery's m', which the ROM's RSA takes ready-made), by Newton's iteration. */
function montgomeryMDash(modulus: bigint): bigint {
  const word = 1n << 32n;
  let inverse = 1n;
  for (let i = 0; i < 6; i += 1) inverse = (inverse * (2n - modulus * inverse)) % word;
  inverse = ((inverse % word) + word) % word;
  return (word - inverse) % word;
}

/**
 * The key bytes a signature block made by espsecure carries for `key`, which is what
 * digest_sbv2_public_key hashes: so a trusted key given as PEM gets the digest a block signed
 * with it shows. RSA: n, e, rinv = 2^(2*3072) mod n, m' (each little-endian); ECDSA: the curve id,
 * then x and y little-endian, zero-padded to the point field (64 bytes, 96 for P-384).
 */
export function espsecureKeyMaterial(key: SignaturePublicKey): Uint8Array {
  if (key.kind === 'rsa') {
    const modulus = toBigInt(key.modulus);
    const bytes = new Uint8Array(384 + 4 + 384 + 4);
    bytes.set(littleEndian(modulus, 384), 0);
    bytes.set(littleEndian(BigInt(key.exponent), 4), 384);
    bytes.set(littleEndian((1n << 6144n) % modulus, 384), 388);
    bytes.set(littleEndian(montgomeryMDash(modulus), 4), 772);
    return bytes;
  }
  const size = key.x.length;
  const field = key.curve === 'P-384' ? 96 : 64;
  const bytes = new Uint8Array(1 + field);
  bytes[0] = CURVE_IDS[key.curve];
  bytes.set(littleEndian(toBigInt(key.x), size), 1);
  bytes.set(littleEndian(toBigInt(key.y), size), 1 + size);
  return bytes;
}
