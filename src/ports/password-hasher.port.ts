/**
 * The slow, salted hash credentials are stored as (never the secret itself). The encoding names
 * its scheme and cost, so that hashes made with an older cost still verify after it changes.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Whether `password` is the one `encoded` was made from; a malformed hash never matches. */
  verify(password: string, encoded: string): Promise<boolean>;
}

export const PASSWORD_HASHER = Symbol.for('fuota.PasswordHasher');
