import { chipSecureBoot } from './chip-secure-boot.js';
import type { SignatureFact } from './signature-fact.js';

/** Why an image is not signed by a trusted key, as the 422 answer and `fuota inspect` name it. */
export type UntrustedReason = 'unsigned' | 'signature-does-not-verify' | 'untrusted-key' | 'scheme-not-supported';

export type SigningVerdict =
  | { readonly trusted: true; readonly keyDigest: string }
  | { readonly trusted: false; readonly reason: UntrustedReason; readonly detail: string };

const described = (block: SignatureFact, index: number): string =>
  `block ${index} (${block.scheme}, key digest ${block.keyDigest}) ${block.verifies ? 'verifies' : 'does not verify'}`;

/**
 * Whether a device of the image's chip that trusts only the keys with these digests would boot
 * the image: a block its ROM checks (block 0 only on the original ESP32; any on the others) must
 * verify, be made with a trusted key and use a scheme the chip supports (see chipSecureBoot).
 * When none does, says what was found: no block at all; a good block of a scheme the chip cannot
 * verify; a trusted key's block that the ROM does not look at; a trusted key's block, or every
 * block, whose signature does not verify; or blocks that verify but with untrusted keys.
 */
export function signingVerdict(
  signatures: readonly SignatureFact[],
  trusted: ReadonlySet<string>,
  chip: string | undefined,
): SigningVerdict {
  const rules = chipSecureBoot(chip);
  const checked = rules.firstBlockOnly ? signatures.slice(0, 1) : signatures;
  const goodKey = (block: SignatureFact): boolean => block.verifies && trusted.has(block.keyDigest);
  const good = checked.find((block) => goodKey(block) && rules.schemes.has(block.scheme));
  if (good !== undefined) return { trusted: true, keyDigest: good.keyDigest };
  if (signatures.length === 0) {
    return {
      trusted: false,
      reason: 'unsigned',
      detail: 'the image is unsigned (no Secure Boot v2 signature block); sign it with a trusted key',
    };
  }
  const blocks = signatures.map(described).join('; ');
  const unsupported = checked.find(goodKey);
  if (unsupported !== undefined) {
    return {
      trusted: false,
      reason: 'scheme-not-supported',
      detail: `${rules.label} cannot verify ${unsupported.scheme} signatures (it takes ${[...rules.schemes].join(', ')}): ${blocks}`,
    };
  }
  const first = signatures[0];
  if (rules.firstBlockOnly && first !== undefined && signatures.some(goodKey)) {
    const why = trusted.has(first.keyDigest) ? 'which does not verify' : 'not trusted';
    return {
      trusted: false,
      reason: trusted.has(first.keyDigest) ? 'signature-does-not-verify' : 'untrusted-key',
      detail: `${rules.label} checks only the first signature block, signed by ${first.keyDigest}, ${why}: ${blocks}`,
    };
  }
  const trustedButBroken = checked.some((block) => trusted.has(block.keyDigest));
  if (trustedButBroken || checked.every((block) => !block.verifies)) {
    return {
      trusted: false,
      reason: 'signature-does-not-verify',
      detail: `the signature does not verify: ${blocks}`,
    };
  }
  const untrusted = checked.filter((block) => block.verifies).map((block) => block.keyDigest);
  const only = rules.firstBlockOnly ? ` (${rules.label} checks only the first block)` : '';
  return {
    trusted: false,
    reason: 'untrusted-key',
    detail: `signed by an untrusted key with digest ${untrusted.join(', ')}${only} (${blocks}); add the key to the trusted keys if the fleet's devices trust it`,
  };
}
