import type { EspImageInfo } from '../../domain/firmware/esp-image-info.js';
import type { SigningVerdict } from '../../domain/firmware/signing-verdict.js';
import { signingVerdict } from '../../domain/firmware/signing-verdict.js';
import type { TrustedKey } from '../../domain/firmware/trusted-key.js';
import { UntrustedSignature } from '../../domain/firmware/untrusted-signature.js';

/**
 * The keys the fleet's Secure Boot devices trust. While there is at least one, an image is
 * acceptable (to upload, or to roll out) only with a block that verifies with one of them; with
 * none, images are taken as before, and their signatures only reported.
 */
export class TrustedKeys {
  constructor(private readonly fromFile: readonly TrustedKey[]) {}

  async list(): Promise<TrustedKey[]> {
    return [...this.fromFile];
  }

  /** The image's verdict, or undefined when no trusted key is set (nothing to check). */
  async verdict(image: EspImageInfo): Promise<SigningVerdict | undefined> {
    const keys = await this.list();
    if (keys.length === 0) return undefined;
    return signingVerdict(image.signatures ?? [], new Set(keys.map((key) => key.keyDigest)));
  }

  /** Throws UntrustedSignature, saying what was found, unless the image may go to the fleet. */
  async refuseUntrusted(image: EspImageInfo, what: string): Promise<void> {
    const verdict = await this.verdict(image);
    if (verdict === undefined || verdict.trusted) return;
    throw new UntrustedSignature(verdict.reason, image.signatures ?? [], `${what}: ${verdict.detail}`);
  }
}
