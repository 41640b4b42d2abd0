import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import {
  signedFixture,
  signedFixtureText,
  signedManifest,
  skipWithoutSignedFixtures,
} from '../support/signed-fixtures.js';

const BIN = 'application/octet-stream';

interface Problem {
  code: string;
  reason: string;
  detail: string;
  signatures: Array<{ keyDigest: string; verifies: boolean }>;
}

/**
 * FUOTA_TRUSTED_KEYS set: each of espsecure's vectors (all ESP32 images) is accepted exactly when
 * its first block (the only one an ESP32 checks) is RSA-3072 (the only scheme an ESP32 verifies),
 * verifies and was made with a trusted key, as the manifest says; otherwise 422 naming what was
 * found, and nothing stored. Two files: one trusting a PEM key and a digest, one another key.
 */
describe('HTTP: uploads with FUOTA_TRUSTED_KEYS set', function () {
  let dir: string;
  before(async function () {
    skipWithoutSignedFixtures(this);
    dir = await mkdtemp(join(tmpdir(), 'fuota-trusted-'));
  });
  after(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));

  const trustings: Array<{ title: string; keys: string[]; file: () => string }> = [
    {
      title: 'the RSA key as PEM and the P-384 key as its digest',
      keys: ['rsa3072', 'ecdsa384'],
      file: () => {
        const manifest = signedManifest();
        return [
          '# release keys',
          signedFixtureText(manifest.keys.rsa3072?.public ?? ''),
          `${manifest.keys.ecdsa384?.keyDigest ?? ''}  # the P4 fleet`,
        ].join('\n');
      },
    },
    {
      title: "only the second RSA key's digest, in capitals",
      keys: ['rsa3072-b'],
      file: () => `${signedManifest().keys['rsa3072-b']?.keyDigest.toUpperCase() ?? ''}\n`,
    },
  ];

  it('refuses to start with a trusted-keys file it cannot use, naming the variable and the line', async () => {
    const file = join(dir, 'bad.keys');
    await writeFile(file, '# fleet keys\nnot-a-key\n');
    let error: unknown;
    try {
      await startTestServer({ trustedKeysFile: file });
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.match(/FUOTA_TRUSTED_KEYS: .*bad\.keys line 2: neither a PEM public key nor a key digest/);
  });

  for (const trusting of trustings) {
    describe(`trusting ${trusting.title}`, () => {
      let t: RunningTestServer;
      before(async () => {
        const file = join(dir, `${trusting.keys.join('-')}.keys`);
        await writeFile(file, trusting.file());
        t = await startTestServer({ trustedKeysFile: file });
      });
      after(() => t?.stop());

      it('accepts or refuses each vector as the manifest implies, storing nothing it refuses', async () => {
        const manifest = signedManifest();
        const trusted = new Set(trusting.keys.map((key) => manifest.keys[key]?.keyDigest));
        for (const [name, { blocks }] of Object.entries(manifest.images)) {
          const path = `signed/${name}`;
          const res = await t.client.put(`/files/${path}`, signedFixture(name), BIN);
          const goodKey = (block: (typeof blocks)[number]) =>
            block.verifies && trusted.has(manifest.keys[block.key]?.keyDigest);
          const first = blocks.slice(0, 1);
          const accept = first.some((block) => goodKey(block) && block.scheme === 'RSA-3072');
          if (accept) {
            expect(res.status, `${name}: ${res.text}`).to.equal(200);
            expect((await t.client.get(`/api/v1/files/${path}`)).status).to.equal(200);
            continue;
          }
          expect(res.status, `${name}: ${res.text}`).to.equal(422);
          const problem = JSON.parse(res.text) as Problem;
          expect(problem.code).to.equal('untrusted-signature');
          const trustedButBroken = first.some((block) => trusted.has(manifest.keys[block.key]?.keyDigest));
          const reason = first.some(goodKey)
            ? 'scheme-not-supported'
            : trustedButBroken || first.every((block) => !block.verifies)
              ? 'signature-does-not-verify'
              : 'untrusted-key';
          expect(problem.reason, name).to.equal(reason);
          if (!first.some(goodKey) && blocks.some(goodKey)) {
            // A later block of a trusted key (signed-rsa3072-twice.bin): the device would not look at it.
            expect(problem.detail).to.include('an ESP32 checks only the first signature block, signed by');
          }
          for (const block of blocks) expect(problem.detail).to.include(manifest.keys[block.key]?.keyDigest);
          expect(problem.signatures).to.have.length(blocks.length);
          expect((await t.client.get(`/api/v1/files/${path}`)).status, `${name} stored`).to.equal(404);
        }
      });

      it('refuses an unsigned image, saying it is unsigned, and stores nothing', async () => {
        const res = await t.client.put('/files/plain.bin', buildEspImage(), BIN);
        expect(res.status).to.equal(422);
        expect(JSON.parse(res.text)).to.include({ code: 'untrusted-signature', reason: 'unsigned' });
        expect((JSON.parse(res.text) as Problem).detail).to.match(/unsigned/);
        expect((await t.client.get('/api/v1/files/plain.bin')).status).to.equal(404);
      });

      it('accepts an image the test builder signs with a trusted private key, and refuses one signed with another', async () => {
        const manifest = signedManifest();
        const [trustedKey] = trusting.keys;
        const other = Object.keys(manifest.keys).find((key) => !trusting.keys.includes(key)) ?? '';
        const sign = (key: string) => signedFixtureText(manifest.keys[key]?.private ?? '');
        expect(
          (await t.client.put('/files/built.bin', buildEspImage({ signingKeys: [sign(trustedKey ?? '')] }), BIN))
            .status,
        ).to.equal(200);
        const refused = await t.client.put(
          '/files/built.bin',
          buildEspImage({ version: '2', signingKeys: [sign(other)] }),
          BIN,
        );
        expect(refused.status).to.equal(422);
        expect(JSON.parse(refused.text)).to.include({ reason: 'untrusted-key' });
        const kept = JSON.parse((await t.client.get('/api/v1/files/built.bin')).text) as { image: { version: string } };
        expect(kept.image.version).to.equal('1.0.0');
      });

      it('stores bytes that are not an image when validation is off (nothing to check a signature of)', async () => {
        expect(
          (await t.client.put('/files/notes.txt?validate=false', 'release notes', 'application/octet-stream')).status,
        ).to.equal(200);
      });
    });
  }
});
