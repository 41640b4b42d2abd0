/**
 * The Secure Boot v2 signature schemes: RSA-3072 (block version 2) and ECDSA (version 3) on the
 * NIST curves the ROMs know. P-384 blocks sign the SHA-384 of the image and lay out their fields
 * wider (48-byte digest, 96-byte point and signature); the others sign its SHA-256.
 */
export const SIGNATURE_SCHEMES = ['RSA-3072', 'ECDSA-P192', 'ECDSA-P256', 'ECDSA-P384'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export type EcdsaCurve = 'P-192' | 'P-256' | 'P-384';

/** A public key as the verifier takes it: integers big-endian, as node:crypto and X.509 write them. */
export type SignaturePublicKey =
  | { readonly kind: 'rsa'; readonly modulus: Uint8Array; readonly exponent: number }
  | { readonly kind: 'ecdsa'; readonly curve: EcdsaCurve; readonly x: Uint8Array; readonly y: Uint8Array };

/** What one signature block asks to be checked, read out of its little-endian layout. */
export interface SignatureBlockContent {
  readonly scheme: SignatureScheme;
  /** The digest the block says it signs: SHA-256 (32 bytes) or, for P-384, SHA-384 (48). */
  readonly imageDigest: Uint8Array;
  readonly publicKey: SignaturePublicKey;
  /** RSA: the 384-byte signature; ECDSA: r then s, each the curve's size. Big-endian. */
  readonly signature: Uint8Array;
  /**
   * The block's key bytes that espsecure digest_sbv2_public_key hashes (and the eFuse holds the
   * SHA-256 of): RSA n, e, rinv, m' (776 bytes); ECDSA the curve id and the point field.
   */
  readonly keyMaterial: Uint8Array;
}

const RSA_KEY_AT = 36;
const RSA_MODULUS = 384;
const RSA_KEY_MATERIAL = 384 + 4 + 384 + 4;
const CURVES: Record<number, { curve: EcdsaCurve; scheme: SignatureScheme; size: number }> = {
  1: { curve: 'P-192', scheme: 'ECDSA-P192', size: 24 },
  2: { curve: 'P-256', scheme: 'ECDSA-P256', size: 32 },
  3: { curve: 'P-384', scheme: 'ECDSA-P384', size: 48 },
};

const reversed = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();

/**
 * Reads a block whose magic, version, CRC and padding were already checked (esp_secure_boot.h:
 * ets_secure_boot_sig_block_t and its ECDSA variants). Returns a reason instead of the content
 * when the block names a curve no ROM knows.
 */
export function readSignatureBlock(block: Uint8Array): SignatureBlockContent | string {
  if (block[1] === 2) {
    const keyMaterial = block.slice(RSA_KEY_AT, RSA_KEY_AT + RSA_KEY_MATERIAL);
    const exponentAt = RSA_KEY_AT + RSA_MODULUS;
    const exponent =
      ((block[exponentAt] ?? 0) |
        ((block[exponentAt + 1] ?? 0) << 8) |
        ((block[exponentAt + 2] ?? 0) << 16) |
        ((block[exponentAt + 3] ?? 0) << 24)) >>>
      0;
    const signatureAt = RSA_KEY_AT + RSA_KEY_MATERIAL;
    return {
      scheme: 'RSA-3072',
      imageDigest: block.slice(4, 36),
      publicKey: { kind: 'rsa', modulus: reversed(block.subarray(RSA_KEY_AT, exponentAt)), exponent },
      signature: reversed(block.subarray(signatureAt, signatureAt + RSA_MODULUS)),
      keyMaterial,
    };
  }
  // ECDSA: flag byte 2 set means the SHA-384 layout (a 48-byte digest, 96-byte fields).
  const wide = block[2] === 1;
  const digestEnd = 4 + (wide ? 48 : 32);
  const field = wide ? 96 : 64;
  const known = CURVES[block[digestEnd] ?? 0];
  if (known === undefined) return `curve id ${block[digestEnd] ?? 0} is not 1 (P-192), 2 (P-256) or 3 (P-384)`;
  if ((known.curve === 'P-384') !== wide) {
    return `curve ${known.curve} with the ${wide ? 'SHA-384' : 'SHA-256'} block layout`;
  }
  const pointAt = digestEnd + 1;
  const signatureAt = pointAt + field;
  const size = known.size;
  const point = block.subarray(pointAt, pointAt + field);
  const signature = block.subarray(signatureAt, signatureAt + field);
  const r = reversed(signature.subarray(0, size));
  const s = reversed(signature.subarray(size, 2 * size));
  const joined = new Uint8Array(2 * size);
  joined.set(r, 0);
  joined.set(s, size);
  return {
    scheme: known.scheme,
    imageDigest: block.slice(4, digestEnd),
    publicKey: {
      kind: 'ecdsa',
      curve: known.curve,
      x: reversed(point.subarray(0, size)),
      y: reversed(point.subarray(size, 2 * size)),
    },
    signature: joined,
    keyMaterial: block.slice(digestEnd, digestEnd + 1 + field),
  };
}
