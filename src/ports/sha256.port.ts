import type { Sha256Factory } from '../domain/firmware/sha256-hasher.js';

/** The SHA-256 that image inspection and file description use (the domain defines its shape). */
export type { Sha256Factory };

export const SHA256_FACTORY = Symbol.for('fuota.Sha256Factory');
