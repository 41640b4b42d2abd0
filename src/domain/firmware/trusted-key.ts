import { hexOf } from '../hex.js';
import type { SignatureScheme } from './signature-block.js';

/** A key digest as fuota keeps and shows it: the SHA-256 espsecure digest_sbv2_public_key computes (it writes the 32 raw bytes), as 64 lowercase hex digits. */
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

/**
 * The forms a key digest comes in: 64 hex digits (`digest_sbv2_public_key` -o written as hex, e.g.
 * by `xxd -p -c 32`), or 32 hex bytes separated by spaces (as `espsecure signature_info_v2`
 * prints "Public key digest for block 0: 30 c9 2b ...") or by colons; any case.
 */
const KEY_DIGEST_FORMS = /^[0-9a-f]{2}(?:(?: +|:)?[0-9a-f]{2}){31}$/i;

/** What a key digest may look like, for messages. */
export const KEY_DIGEST_FORMS_TEXT = '64 hex digits, or 32 hex bytes separated by spaces or colons';

/** `text` as a key digest (any of KEY_DIGEST_FORMS, surrounding blanks ignored), or undefined if it is none. */
export function keyDigestOf(text: string): string | undefined {
  const trimmed = text.trim();
  if (!KEY_DIGEST_FORMS.test(trimmed)) return undefined;
  const digest = trimmed.replace(/[ :]/g, '').toLowerCase();
  return KEY_DIGEST_PATTERN.test(digest) ? digest : undefined;
}

/** A raw digest as `espsecure digest_sbv2_public_key -o` writes it (32 bytes) in hex, or undefined. */
export function keyDigestOfBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 32) return undefined;
  return hexOf(bytes);
}
