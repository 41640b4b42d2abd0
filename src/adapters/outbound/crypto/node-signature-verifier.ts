import { constants, createHash, createPublicKey, createVerify } from 'node:crypto';
import type { KeyObject, Verify } from 'node:crypto';
import type { SignatureBlockContent, SignaturePublicKey } from '../../../domain/firmware/signature-block.js';
import type { SignedRegionVerifier } from '../../../domain/firmware/signature-verifier.js';

/** The most blocks a signature sector holds: each takes one verifier, which node:crypto uses once. */
const MAX_BLOCKS = 3;

/** Object identifiers of the named curves, DER-encoded, for a SubjectPublicKeyInfo. */
const CURVE_OIDS: Record<string, string> = {
  'P-192': '06082a8648ce3d030101', // prime192v1 (JWK has no name for it)
  'P-256': '06082a8648ce3d030107', // prime256v1
  'P-384': '06052b81040022', // secp384r1
};
const EC_PUBLIC_KEY_OID = '06072a8648ce3d0201';

function derLength(length: number): string {
  if (length < 0x80) return length.toString(16).padStart(2, '0');
  const hex = length.toString(16).padStart(length > 0xff ? 4 : 2, '0');
  return `${(0x80 + hex.length / 2).toString(16)}${hex}`;
}

const der = (tag: string, body: string): string => `${tag}${derLength(body.length / 2)}${body}`;

/** The block's public key as node:crypto takes it (SPKI for ECDSA, so that P-192 is expressible). */
export function publicKeyObject(key: SignaturePublicKey): KeyObject {
  if (key.kind === 'rsa') {
    const exponent = Buffer.alloc(4);
    exponent.writeUInt32BE(key.exponent);
    const start = exponent.findIndex((byte) => byte !== 0);
    return createPublicKey({
      key: {
        kty: 'RSA',
        n: Buffer.from(key.modulus).toString('base64url'),
        e: exponent.subarray(start < 0 ? 3 : start).toString('base64url'),
      },
      format: 'jwk',
    });
  }
  const point = `04${Buffer.from(key.x).toString('hex')}${Buffer.from(key.y).toString('hex')}`;
  const algorithm = der('30', `${EC_PUBLIC_KEY_OID}${CURVE_OIDS[key.curve] ?? ''}`);
  const spki = der('30', `${algorithm}${der('03', `00${point}`)}`);
  return createPublicKey({ key: Buffer.from(spki, 'hex'), format: 'der', type: 'spki' });
}

/**
 * Verifies Secure Boot v2 blocks with node:crypto as the ROM does: RSA-3072 with RSA-PSS
 * (MGF1-SHA-256, 32-byte salt) and ECDSA over the image's SHA-256, or SHA-384 for P-384. Node
 * verifies a signature over a message, not over a digest it is given, so the signed region is
 * streamed into one verifier per possible block and hash; a key or signature that node:crypto
 * cannot even load (nonsense in a block) does not verify.
 */
export class NodeSignedRegionVerifier implements SignedRegionVerifier {
  private readonly bySha256: Verify[] = Array.from({ length: MAX_BLOCKS }, () => createVerify('sha256'));
  private readonly bySha384: Verify[] = Array.from({ length: MAX_BLOCKS }, () => createVerify('sha384'));
  private readonly digest384 = createHash('sha384');

  update(bytes: Uint8Array): void {
    for (const verify of this.bySha256) verify.update(bytes);
    for (const verify of this.bySha384) verify.update(bytes);
    this.digest384.update(bytes);
  }

  sha384(): Uint8Array {
    return this.digest384.copy().digest();
  }

  verify(block: SignatureBlockContent): boolean {
    const verify = (block.scheme === 'ECDSA-P384' ? this.bySha384 : this.bySha256).shift();
    if (verify === undefined) throw new Error('asked about more signature blocks than a sector holds');
    try {
      const key = publicKeyObject(block.publicKey);
      if (block.publicKey.kind === 'rsa') {
        return verify.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, block.signature);
      }
      return verify.verify({ key, dsaEncoding: 'ieee-p1363' }, block.signature);
    } catch {
      return false;
    }
  }
}

/** node:crypto's verifier for the domain's image parser. */
export const nodeSignatureVerifier = (): SignedRegionVerifier => new NodeSignedRegionVerifier();
