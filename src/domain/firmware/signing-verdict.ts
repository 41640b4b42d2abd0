import type { SignatureFact } from './signature-fact.js';

/** Why an image is not signed by a trusted key, as the 422 answer and `fuota inspect` name it. */
export type UntrustedReason = 'unsigned' | 'signature-does-not-verify' | 'untrusted-key';

export type SigningVerdict =
  | { readonly trusted: true; readonly keyDigest: string }
  | { readonly trusted: false; readonly reason: UntrustedReason; readonly detail: string };

const described = (block: SignatureFact, index: number): string =>
  `block ${index} (${block.scheme}, key digest ${block.keyDigest}) ${block.verifies ? 'verifies' : 'does not verify'}`;

/**
 * Whether a device that trusts only the keys with these digests would boot the image: some block
 * must verify and be made with a trusted key (the ROM tries each block against the eFuse digests).
 * When none does, says what was found: no block at all; a trusted key's block, or every block,
 * whose signature does not verify; or blocks that verify but with keys the fleet does not trust.
 */
export function signingVerdict(signatures: readonly SignatureFact[], trusted: ReadonlySet<string>): SigningVerdict {
  const good = signatures.find((block) => block.verifies && trusted.has(block.keyDigest));
  if (good !== undefined) return { trusted: true, keyDigest: good.keyDigest };
  if (signatures.length === 0) {
    return {
      trusted: false,
      reason: 'unsigned',
      detail: 'the image is unsigned (no Secure Boot v2 signature block); sign it with a trusted key',
    };
  }
  const blocks = signatures.map(described).join('; ');
  const trustedButBroken = signatures.some((block) => trusted.has(block.keyDigest));
  if (trustedButBroken || signatures.every((block) => !block.verifies)) {
    return {
      trusted: false,
      reason: 'signature-does-not-verify',
      detail: `the signature does not verify: ${blocks}`,
    };
  }
  const untrusted = signatures.filter((block) => block.verifies).map((block) => block.keyDigest);
  return {
    trusted: false,
    reason: 'untrusted-key',
    detail: `signed by an untrusted key with digest ${untrusted.join(', ')} (${blocks}); add the key to the trusted keys if the fleet's devices trust it`,
  };
}
