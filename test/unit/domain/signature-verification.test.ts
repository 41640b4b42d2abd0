import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';
import { signaturePublicKeyFromPem } from '../../../src/adapters/outbound/crypto/pem-public-key.js';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import { crc32 } from '../../../src/domain/firmware/crc32.js';
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
    // or reports the signature as not verifying. A flip in a block stops at its CRC-32 here; the
    // suite below recomputes the CRC so that flips reach the key digest and the verification.
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

  describe('single-byte flips in the key and signature fields of a block whose CRC-32 is recomputed', function () {
    before(function () {
      skipWithoutSignedFixtures(this);
    });

    // Offsets in the block (esp_secure_boot.h). Left out on purpose: magic and version (a flip is a
    // structural refusal), the reserved bytes 2-3 and the zero bytes after the signature up to
    // the CRC (the ROM reads neither: only the CRC covers them, so a flip there, CRC recomputed,
    // rightly still verifies), the image digest (a flip is the parser's digest-mismatch refusal,
    // before any crypto) and the ECDSA curve id (a structural refusal).
    const fields: Record<string, { key: [number, number]; signature: [number, number] }> = {
      'signed-rsa3072.bin': { key: [36, 36 + 776], signature: [36 + 776, 36 + 776 + 384] },
      'signed-ecdsa256.bin': { key: [37, 37 + 64], signature: [37 + 64, 37 + 128] },
      'signed-ecdsa384.bin': { key: [53, 53 + 96], signature: [53 + 96, 53 + 192] },
    };
    for (const [name, { key, signature }] of Object.entries(fields)) {
      it(`${name}: the block is read, and then does not verify (a signature flip) or has another key digest (a key flip)`, () => {
        const original = signedFixture(name);
        const sectorAt = original.length - 4096;
        const [fact] = parse(original).signatures ?? [];
        expect(fact?.verifies).to.equal(true);
        fc.assert(
          fc.property(
            fc.oneof(
              fc.integer({ min: key[0], max: key[1] - 1 }),
              fc.integer({ min: signature[0], max: signature[1] - 1 }),
            ),
            fc.integer({ min: 1, max: 255 }),
            (at, xor) => {
              const bytes = Buffer.from(original);
              bytes[sectorAt + at] = (bytes[sectorAt + at] ?? 0) ^ xor;
              bytes.writeUInt32LE(crc32(bytes.subarray(sectorAt, sectorAt + 1196)), sectorAt + 1196);
              // Never refused as corrupt: the flip reaches the key digest and the verification.
              const [flipped] = parse(bytes).signatures ?? [];
              if (at >= signature[0]) {
                expect(flipped, `signature byte ${at}`).to.deep.equal({ ...fact, verifies: false });
              } else {
                // RSA's rinv and m' are not used by node:crypto, so a flip there may still verify;
                // the key digest (what the eFuse holds) changes, so no device trusting the key takes it.
                expect(flipped?.keyDigest, `key byte ${at}`).to.not.equal(fact?.keyDigest);
              }
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
