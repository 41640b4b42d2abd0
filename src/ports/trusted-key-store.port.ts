import type { TrustedKey } from '../domain/firmware/trusted-key.js';

/**
 * The trusted keys operators added through the API (`/api/v1/signing-keys`); the
 * FUOTA_TRUSTED_KEYS file's keys are not stored. Every write resolves once it is durable.
 */
export interface TrustedKeyStore {
  /** Every stored key, in the order they were first added. */
  list(): Promise<TrustedKey[]>;
  /** Adds the key, or replaces the one with its digest (keeping its place). */
  put(key: TrustedKey): Promise<void>;
  /** Removes the key with this digest; false when there was none. */
  delete(keyDigest: string): Promise<boolean>;
  close(): Promise<void>;
}

export const TRUSTED_KEY_STORE = Symbol.for('fuota.TrustedKeyStore');
