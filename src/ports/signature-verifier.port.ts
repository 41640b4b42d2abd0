import type { SignatureVerifierFactory } from '../domain/firmware/signature-verifier.js';

/** The signature verification that image inspection uses (the domain defines its shape). */
export type { SignatureVerifierFactory };

export const SIGNATURE_VERIFIER = Symbol.for('fuota.SignatureVerifierFactory');
