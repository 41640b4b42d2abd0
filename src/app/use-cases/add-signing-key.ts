import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/domain-error.js';
import { KEY_DIGEST_FORMS_TEXT, keyDigestOf } from '../../domain/firmware/trusted-key.js';
import type { SigningKeyReader } from '../../ports/signing-key-reader.port.js';
import { SIGNING_KEY_READER } from '../../ports/signing-key-reader.port.js';
import type { AddedTrustedKey } from '../firmware/trusted-keys.js';
import { TrustedKeys } from '../firmware/trusted-keys.js';

/** A key as an operator gives it: a PEM public key, or the digest espsecure printed. */
export type SigningKeyInput =
  | { readonly publicKey: string; readonly name?: string | undefined }
  | { readonly keyDigest: string; readonly name?: string | undefined };

/**
 * An operator adds a trusted signing key through the API. Given as PEM, the key is read (and its
 * scheme kept); given as a digest, only the digest is known. A key that is no Secure Boot v2
 * signing key (another RSA size or curve, a private key) is refused with 422 invalid-signing-key.
 */
@injectable()
export class AddSigningKey {
  constructor(
    @inject(TrustedKeys) private readonly trustedKeys: TrustedKeys,
    @inject(SIGNING_KEY_READER) private readonly reader: SigningKeyReader,
  ) {}

  async execute(input: SigningKeyInput, at: Date): Promise<AddedTrustedKey> {
    const name = input.name === undefined || input.name.trim() === '' ? null : input.name.trim();
    if ('publicKey' in input) {
      let read: ReturnType<SigningKeyReader['read']>;
      try {
        read = this.reader.read(input.publicKey);
      } catch (error) {
        throw new DomainError(
          'invalid-signing-key',
          `publicKey is not a Secure Boot v2 signing key: ${(error as Error).message}`,
        );
      }
      return this.trustedKeys.add({ ...read, name }, at);
    }
    const keyDigest = keyDigestOf(input.keyDigest);
    if (keyDigest === undefined) {
      throw new DomainError(
        'invalid-signing-key',
        `keyDigest must be a key digest: ${KEY_DIGEST_FORMS_TEXT} (as espsecure signature_info_v2 prints it)`,
      );
    }
    return this.trustedKeys.add({ keyDigest, scheme: null, name }, at);
  }
}
