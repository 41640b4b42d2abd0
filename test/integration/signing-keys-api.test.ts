import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { HttpResponse } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { generateSelfSignedCertificate } from '../../src/adapters/outbound/tls/dev-certificate.js';
import {
  signedFixture,
  signedFixtureText,
  signedManifest,
  skipWithoutSignedFixtures,
} from '../support/signed-fixtures.js';

const BIN = 'application/octet-stream';

interface SigningKey {
  keyDigest: string;
  scheme: string | null;
  name: string | null;
  source: 'file' | 'api';
  addedAt: string | null;
}

const post = (t: RunningTestServer, body: unknown): Promise<HttpResponse> =>
  t.client.send('/api/v1/signing-keys', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
const list = async (t: RunningTestServer) =>
  JSON.parse((await t.client.get('/api/v1/signing-keys')).text) as SigningKey[];

/**
 * `/api/v1/signing-keys` over HTTPS: keys from the FUOTA_TRUSTED_KEYS file and keys added here
 * count together; the file's cannot be removed here; changes are audited and survive a restart.
 */
describe('HTTP: /api/v1/signing-keys', function () {
  let dir: string;
  before(async function () {
    skipWithoutSignedFixtures(this);
    dir = await mkdtemp(join(tmpdir(), 'fuota-signing-keys-'));
  });
  after(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));

  it('without a file: adding a key turns the check on, removing the last turns it off; audited; kept across a restart', async () => {
    const manifest = signedManifest();
    const rsa = manifest.keys.rsa3072;
    const first = await startTestServer({ storage: 'disk' });
    let second: RunningTestServer | undefined;
    try {
      expect(await list(first)).to.deep.equal([]);
      expect((await first.client.put('/files/a.bin', signedFixture('signed-ecdsa256.bin'), BIN)).status).to.equal(200);

      const added = await post(first, { publicKey: signedFixtureText(rsa?.public ?? ''), name: ' release ' });
      expect(added.status, added.text).to.equal(201);
      const key = JSON.parse(added.text) as SigningKey;
      expect(key).to.deep.include({ keyDigest: rsa?.keyDigest, scheme: 'RSA-3072', name: 'release', source: 'api' });
      // Given again (as its digest, with no name): 200, and it keeps its scheme, name and addedAt.
      const again = await post(first, { keyDigest: rsa?.keyDigest });
      expect(again.status, again.text).to.equal(200);
      expect(JSON.parse(again.text)).to.deep.equal(key);
      const renamed = await post(first, { keyDigest: rsa?.keyDigest, name: 'release 2' });
      expect(renamed.status, renamed.text).to.equal(200);
      expect(JSON.parse(renamed.text)).to.deep.equal({ ...key, name: 'release 2' });
      const byDigest = await post(first, { keyDigest: manifest.keys.ecdsa384?.keyDigest.toUpperCase() });
      expect(byDigest.status, byDigest.text).to.equal(201);
      expect(JSON.parse(byDigest.text)).to.deep.include({ scheme: null, name: null });

      const refused = await first.client.put('/files/b.bin', signedFixture('signed-ecdsa256.bin'), BIN);
      expect(refused.status).to.equal(422);
      expect(JSON.parse(refused.text)).to.include({ code: 'untrusted-signature', reason: 'untrusted-key' });
      expect((await first.client.put('/files/c.bin', signedFixture('signed-rsa3072.bin'), BIN)).status).to.equal(200);
      // The P-384 key is trusted, but an ESP32 (the fixtures' chip) verifies RSA-3072 only; a P4 takes it.
      const p384 = await first.client.put('/files/d.bin', signedFixture('signed-ecdsa384.bin'), BIN);
      expect(JSON.parse(p384.text)).to.include({ status: 422, reason: 'scheme-not-supported' });
      const p4 = buildEspImage({
        chip: 'esp32p4',
        signingKeys: [signedFixtureText(manifest.keys.ecdsa384?.private ?? '')],
      });
      expect((await first.client.put('/files/d.bin', p4, BIN)).status).to.equal(200);

      await first.server.stop();
      second = await startTestServer({ dataDir: first.dataDir as string });
      expect((await list(second)).map((one) => one.keyDigest)).to.deep.equal([
        rsa?.keyDigest,
        manifest.keys.ecdsa384?.keyDigest,
      ]);
      for (const digest of [rsa?.keyDigest, manifest.keys.ecdsa384?.keyDigest]) {
        const removed = await second.client.delete(`/api/v1/signing-keys/${digest ?? ''}`);
        expect(removed.status, removed.text).to.equal(200);
        expect((JSON.parse(removed.text) as { removed: SigningKey }).removed.keyDigest).to.equal(digest);
      }
      expect((await second.client.delete(`/api/v1/signing-keys/${rsa?.keyDigest ?? ''}`)).status).to.equal(404);
      expect((await second.client.put('/files/b.bin', signedFixture('signed-ecdsa256.bin'), BIN)).status).to.equal(200);

      const audit = JSON.parse((await second.client.get('/api/v1/audit?limit=100')).text) as {
        items: Array<{ action: string; target: string }>;
      };
      expect(
        audit.items.filter((record) => record.action.startsWith('signing-key.')).map((r) => [r.action, r.target]),
      ).to.deep.equal([
        ['signing-key.add', rsa?.keyDigest],
        ['signing-key.update', rsa?.keyDigest],
        ['signing-key.add', manifest.keys.ecdsa384?.keyDigest],
        ['signing-key.remove', rsa?.keyDigest],
        ['signing-key.remove', manifest.keys.ecdsa384?.keyDigest],
      ]);
    } finally {
      await second?.stop();
      if (second === undefined) await first.stop();
    }
  });

  it("lists the file's keys first, read-only, and adds to them", async () => {
    const manifest = signedManifest();
    const file = join(dir, 'fleet.keys');
    await writeFile(file, `${manifest.keys.rsa3072?.keyDigest ?? ''} # factory key\n`);
    const t = await startTestServer({ trustedKeysFile: file });
    try {
      const fileKey = manifest.keys.rsa3072?.keyDigest ?? '';
      expect(await list(t)).to.deep.equal([
        { keyDigest: fileKey, scheme: null, name: 'factory key', source: 'file', addedAt: null },
      ]);
      for (const response of [
        await post(t, { keyDigest: fileKey }),
        await t.client.delete(`/api/v1/signing-keys/${fileKey}`),
      ]) {
        expect(response.status).to.equal(409);
        expect(JSON.parse(response.text)).to.include({ code: 'signing-key-in-file' });
      }
      expect(
        (await post(t, { publicKey: signedFixtureText(manifest.keys['rsa3072-b']?.public ?? '') })).status,
      ).to.equal(201);
      expect((await list(t)).map((key) => key.source)).to.deep.equal(['file', 'api']);
      expect((await t.client.put('/files/two.bin', signedFixture('signed-rsa3072-twice.bin'), BIN)).status).to.equal(
        200,
      );
      expect((await t.client.put('/files/p256.bin', signedFixture('signed-ecdsa256.bin'), BIN)).status).to.equal(422);
    } finally {
      await t.stop();
    }
  });

  it('refuses what is not a signing key, with 422 invalid-signing-key, and bodies of neither shape with 400', async () => {
    const t = await startTestServer();
    try {
      const pem = (type: 'rsa' | 'ec', options: object, part: 'publicKey' | 'privateKey' = 'publicKey') =>
        generateKeyPairSync(type as 'rsa', options as { modulusLength: number })
          [part].export({ format: 'pem', type: part === 'publicKey' ? 'spki' : 'pkcs8' })
          .toString();
      for (const body of [
        { publicKey: pem('rsa', { modulusLength: 2048 }) },
        { publicKey: pem('ec', { namedCurve: 'prime256v1' }, 'privateKey') },
        { publicKey: 'hello' },
        { keyDigest: 'abc' },
      ]) {
        const res = await post(t, body);
        expect(res.status, res.text).to.equal(422);
        expect(JSON.parse(res.text)).to.include({ code: 'invalid-signing-key' });
      }
      const rsa = pem('rsa', { modulusLength: 3072 });
      const { cert } = await generateSelfSignedCertificate(['localhost']);
      for (const [body, message] of [
        [{ publicKey: cert }, 'an X.509 certificate, not a public key'],
        [{ publicKey: `${rsa}${pem('ec', { namedCurve: 'prime256v1' })}` }, '2 PEM blocks'],
        [{ publicKey: 'hello' }, 'not a PEM public key'],
        [{ publicKey: pem('ec', { namedCurve: 'secp256k1' }) }, 'an ECDSA key on secp256k1'],
      ] as const) {
        const res = await post(t, body);
        expect(res.status, res.text).to.equal(422);
        expect((JSON.parse(res.text) as { detail: string }).detail).to.include(message);
      }
      for (const [body, message] of [
        [{}, 'give either publicKey (a PEM public key) or keyDigest'],
        [{ publicKey: 'x', keyDigest: 'y' }, 'not both'],
        [{ keyDigest: 'a'.repeat(64), extra: 1 }, ''],
      ] as const) {
        const res = await post(t, body);
        expect(res.status).to.equal(400);
        expect((JSON.parse(res.text) as { detail: string }).detail).to.include(message);
      }
      const bad = await t.client.delete('/api/v1/signing-keys/not-hex');
      expect(bad.status).to.equal(400);
      expect(bad.text).to.include('the path must end with a key digest');
      expect(await list(t)).to.deep.equal([]);
      // espsecure signature_info_v2 prints the digest as spaced bytes; colons are taken too.
      const digest = 'c0'.repeat(32);
      const spaced = await post(t, { keyDigest: digest.toUpperCase().match(/../g)?.join(' ') });
      expect(spaced.status, spaced.text).to.equal(201);
      expect(JSON.parse(spaced.text)).to.include({ keyDigest: digest });
      const colons = digest.match(/../g)?.join(':') ?? '';
      expect((await t.client.delete(`/api/v1/signing-keys/${colons}`)).status).to.equal(200);
    } finally {
      await t.stop();
    }
  });
});
