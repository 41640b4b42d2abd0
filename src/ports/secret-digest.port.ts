/**
 * A fast digest of secrets (SHA-256) for the auth rules' hot path: a stand-in for an offered
 * secret that can be remembered as a cache key or compared in constant time, so that the secret
 * itself is never kept and a comparison's duration does not tell how much of it was right.
 */
export interface SecretDigest {
  /** The digest of `text` as bytes, for `equal`. */
  digest(text: string): Uint8Array;
  /** The digest of `text` as base64: a fixed-length map key. */
  key(text: string): string;
  /** Whether two digests (of the same length) are equal, in time independent of their bytes. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

export const SECRET_DIGEST = Symbol.for('fuota.SecretDigest');
