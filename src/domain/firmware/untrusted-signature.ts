import { DomainError } from '../domain-error.js';
import type { SignatureFact } from './signature-fact.js';
import type { UntrustedReason } from './signing-verdict.js';

/**
 * Trusted keys are set and the image carries no block that verifies with one of them: the
 * fleet's Secure Boot devices would download it and refuse it. Nothing of it is stored.
 */
export class UntrustedSignature extends DomainError {
  constructor(
    readonly reason: UntrustedReason,
    readonly signatures: readonly SignatureFact[],
    message: string,
  ) {
    super('untrusted-signature', message);
    this.name = 'UntrustedSignature';
  }
}
