import type { SignatureScheme } from '../domain/firmware/signature-block.js';

/**
 * Reads a PEM public key as a Secure Boot v2 signing key: its scheme and its digest as espsecure
 * digest_sbv2_public_key computes it (lowercase hex). Throws an Error saying why for a key that is not one
 * (RSA of another size, another curve, a private key, not PEM).
 */
export interface SigningKeyReader {
  read(pem: string): { readonly keyDigest: string; readonly scheme: SignatureScheme };
}

export const SIGNING_KEY_READER = Symbol.for('fuota.SigningKeyReader');
