import type { SignatureScheme } from './signature-block.js';

/** What fuota reports of one signature block of an image. */
export interface SignatureFact {
  readonly scheme: SignatureScheme;
  /**
   * SHA-256 of the block's public key, lowercase hex, exactly as espsecure
   * digest_sbv2_public_key computes it (it writes the raw bytes), in hex: the value a device's eFuse key digest holds.
   */
  readonly keyDigest: string;
  /** The signature verifies, with the block's key, over the image as the bootloader hashes it. */
  readonly verifies: boolean;
}
