import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { EcdsaCurve, SignaturePublicKey } from '../../../domain/firmware/signature-block.js';

const CURVES: Record<string, { curve: EcdsaCurve; size: number }> = {
  prime192v1: { curve: 'P-192', size: 24 },
  prime256v1: { curve: 'P-256', size: 32 },
  secp384r1: { curve: 'P-384', size: 48 },
};

/** Key types as an operator knows them, with their article. */
const KIND_NAMES: Record<string, string> = {
  ec: 'an ECDSA key',
  ed25519: 'an Ed25519 key',
  ed448: 'an Ed448 key',
  x25519: 'an X25519 key',
  x448: 'an X448 key',
  dsa: 'a DSA key',
  dh: 'a Diffie-Hellman key',
  'rsa-pss': 'an RSA-PSS key',
};

/**
 * A PEM public key (or a private key, whose public half is taken) as a Secure Boot v2 signing
 * key: RSA-3072, or ECDSA on P-192, P-256 or P-384. Throws, saying why, for any other key.
 */
export function signaturePublicKeyFromPem(pem: string): SignaturePublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    // OpenSSL's own words (DECODER routines::unsupported) say nothing to an operator.
    throw new Error('not a PEM public key that can be read (its base64 body is damaged or it is no key)');
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits !== 3072) throw new Error(`an RSA key of ${bits ?? '?'} bits; Secure Boot v2 takes RSA-3072`);
    const jwk = key.export({ format: 'jwk' });
    const exponent = Buffer.from(jwk.e ?? '', 'base64url');
    if (exponent.length > 4) throw new Error('an RSA public exponent wider than 32 bits');
    return {
      kind: 'rsa',
      modulus: Buffer.from(jwk.n ?? '', 'base64url'),
      exponent: exponent.readUIntBE(0, exponent.length),
    };
  }
  const named = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const known = named === undefined ? undefined : CURVES[named];
  if (known === undefined) {
    const kind = KIND_NAMES[key.asymmetricKeyType ?? ''] ?? `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
    throw new Error(
      `${kind}${named === undefined ? '' : ` on ${named}`}; Secure Boot v2 takes RSA-3072 or ECDSA P-192, P-256, P-384`,
    );
  }
  // The SubjectPublicKeyInfo ends with the uncompressed point 04 || x || y (JWK cannot name P-192).
  const spki = key.export({ format: 'der', type: 'spki' });
  const { size } = known;
  return {
    kind: 'ecdsa',
    curve: known.curve,
    x: spki.subarray(spki.length - 2 * size, spki.length - size),
    y: spki.subarray(spki.length - size),
  };
}
