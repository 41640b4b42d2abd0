import type { SignatureScheme } from './signature-block.js';

/** A key digest as espsecure digest_sbv2_public_key writes it: 64 lowercase hex digits. */
export const KEY_DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** Where a trusted key comes from: the FUOTA_TRUSTED_KEYS file (read-only) or the API. */
export type TrustedKeySource = 'file' | 'api';

/**
 * A key whose signatures the fleet's devices accept: one whose digest is burned into their
 * eFuses. It is known by that digest; given as a PEM public key, its scheme is known too.
 */
export interface TrustedKey {
  readonly keyDigest: string;
  /** Null for a key given only as its digest. */
  readonly scheme: SignatureScheme | null;
  /** What the operator calls it, or null. */
  readonly name: string | null;
  readonly source: TrustedKeySource;
  /** When it was added through the API (ISO 8601); null for the file's keys. */
  readonly addedAt: string | null;
}

/** `text` as a key digest (hex, any case, surrounding blanks ignored), or undefined if it is none. */
export function keyDigestOf(text: string): string | undefined {
  const digest = text.trim().toLowerCase();
  return KEY_DIGEST_PATTERN.test(digest) ? digest : undefined;
}
