import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';
import { signaturePublicKeyFromPem } from '../../../src/adapters/outbound/crypto/pem-public-key.js';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import { EspImageParser } from '../../../src/domain/firmware/esp-image-parser.js';
import { ImageRejected } from '../../../src/domain/firmware/image-rejection.js';
import { espsecureKeyMaterial } from '../../../src/domain/firmware/public-key-material.js';
import { buildEspImage } from '../../support/esp-image-builder.js';
import {
  signedFixture,
  signedFixtureText,
  signedManifest,
  skipWithoutSignedFixtures,
} from '../../support/signed-fixtures.js';

function parse(bytes: Uint8Array, chunk = 1 << 16): EspImageInfo {
  const parser = new EspImageParser(nodeSha256, nodeSignatureVerifier);
  for (let at = 0; at < bytes.length; at += chunk) parser.push(bytes.subarray(at, at + chunk));
  return parser.finish();
}

function keyDigest(pem: string): string {
  const hash = nodeSha256();
  hash.update(espsecureKeyMaterial(signaturePublicKeyFromPem(pem)));
  return Buffer.from(hash.digest()).toString('hex');
}

describe('Secure Boot v2 signature verification', function () {
  describe("espsecure's test vectors in ../shared/fixtures/esp-images/signed", function () {
    before(function () {
      skipWithoutSignedFixtures(this);
    });

    it('gives every image exactly the scheme, key digest and verdict of each block the manifest lists', () => {
      const manifest = signedManifest();
      expect(Object.keys(manifest.images)).to.have.length.greaterThan(0);
      for (const [name, expected] of Object.entries(manifest.images)) {
        const bytes = signedFixture(name);
        for (const chunk of [1 << 20, 4093]) {
          const info = parse(bytes, chunk);
          expect(info.signatures, `${name} in chunks of ${chunk}`).to.deep.equal(
            expected.blocks.map((block) => ({
              scheme: block.scheme,
              keyDigest: manifest.keys[block.key]?.keyDigest,
              verifies: block.verifies,
            })),
          );
          expect(info).to.include({ signed: true, signatureBlocks: expected.blocks.length });
        }
      }
    });

    it('gives each public and private PEM key the digest espsecure digest_sbv2_public_key writes', () => {
      for (const [name, key] of Object.entries(signedManifest().keys)) {
        expect(keyDigest(signedFixtureText(key.public)), `${name} public`).to.equal(key.keyDigest);
        expect(keyDigest(signedFixtureText(key.private)), `${name} private`).to.equal(key.keyDigest);
      }
    });

    it('verifies synthetic images the builder signs with the throwaway keys, as many blocks as the sector holds', () => {
      const manifest = signedManifest();
      const names = ['rsa3072', 'ecdsa256', 'ecdsa384', 'rsa3072-b'];
      for (const chip of ['esp32', 'esp32c6', 'esp32p4'] as const) {
        for (let count = 1; count <= 3; count += 1) {
          const keys = names.slice(chip === 'esp32c6' ? 1 : 0).slice(0, count);
          const image = buildEspImage({
            chip,
            segmentLengths: [300 + count * 4, 4096],
            signingKeys: keys.map((key) => signedFixtureText(manifest.keys[key]?.private ?? '')),
          });
          expect(parse(image, 777).signatures?.map((block) => [block.keyDigest, block.verifies])).to.deep.equal(
            keys.map((key) => [manifest.keys[key]?.keyDigest, true]),
          );
        }
      }
    });

    // The property: any one byte changed in what is signed, or in a block, and no block that
    // covers it still verifies: the parser refuses the image as corrupt (digest, CRC, structure)
    // or reports the signature as not verifying.
    for (const name of ['signed-rsa3072.bin', 'signed-ecdsa256.bin', 'signed-ecdsa384.bin']) {
      it(`${name}: flipping any single byte of the signed region or of the signature block leaves nothing that verifies`, () => {
        const original = signedFixture(name);
        const sectorAt = original.length - 4096;
        expect(parse(original).signatures?.[0]?.verifies).to.equal(true);
        fc.assert(
          fc.property(
            fc.oneof(fc.integer({ min: 0, max: sectorAt - 1 }), fc.integer({ min: sectorAt, max: sectorAt + 1215 })),
            fc.integer({ min: 1, max: 255 }),
            (at, xor) => {
              const bytes = Buffer.from(original);
              bytes[at] = (bytes[at] ?? 0) ^ xor;
              let info: EspImageInfo;
              try {
                info = parse(bytes);
              } catch (error) {
                expect(error).to.be.instanceOf(ImageRejected);
                return;
              }
              expect(info.signatures?.some((block) => block.verifies) ?? false).to.equal(false);
            },
          ),
          { numRuns: 150 },
        );
      });
    }
  });

  it('verifies an ECDSA P-192 block (a curve JWK cannot name), with its key digest', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime192v1' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const image = buildEspImage({ signingKeys: [pem] });
    expect(parse(image).signatures).to.deep.equal([
      { scheme: 'ECDSA-P192', keyDigest: keyDigest(pem), verifies: true },
    ]);
  });

  it('reports the structurally valid blocks of random bytes as not verifying, without refusing the image', () => {
    const info = parse(buildEspImage({ signatureBlocks: 3 }));
    expect(info.signatures?.map((block) => [block.scheme, block.verifies])).to.deep.equal([
      ['RSA-3072', false],
      ['RSA-3072', false],
      ['RSA-3072', false],
    ]);
  });

  it('reads no signature facts for an unsigned image', () => {
    expect(parse(buildEspImage()).signatures).to.deep.equal([]);
  });
});
