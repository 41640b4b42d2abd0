import type { SignatureBlockContent } from './signature-block.js';

/**
 * Checks signature blocks against the bytes they sign, supplied from outside (node:crypto) so
 * that the domain stays free of platform imports. The parser streams the signed region (every
 * byte before the signature sector) through `update`, then asks about each block; up to three
 * blocks may be asked about, one after another.
 */
export interface SignedRegionVerifier {
  update(bytes: Uint8Array): void;
  /** The SHA-384 of the bytes so far: what a P-384 block's digest field must hold. */
  sha384(): Uint8Array;
  /** Whether the block's signature verifies with its own public key over the bytes streamed. */
  verify(block: SignatureBlockContent): boolean;
}

export type SignatureVerifierFactory = () => SignedRegionVerifier;
