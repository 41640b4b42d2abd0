import { expect } from 'chai';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import { signedFixture, signedManifest, skipWithoutSignedFixtures } from '../support/signed-fixtures.js';

const BIN = 'application/octet-stream';

interface Block {
  scheme: string;
  keyDigest: string;
  verifies: boolean;
}

/** Without trusted keys: every vector is stored as before, and each block's facts are reported. */
describe('HTTP: Secure Boot v2 signature facts of stored images', function () {
  let t: RunningTestServer;
  before(async function () {
    skipWithoutSignedFixtures(this);
    t = await startTestServer();
  });
  after(() => t?.stop());

  const expected = (name: string): Block[] => {
    const manifest = signedManifest();
    return (manifest.images[name]?.blocks ?? []).map((block) => ({
      scheme: block.scheme,
      keyDigest: manifest.keys[block.key]?.keyDigest ?? '',
      verifies: block.verifies,
    }));
  };

  it('answers each upload, the file, and the catalog with the scheme, key digest and verdict of every block', async () => {
    for (const name of Object.keys(signedManifest().images)) {
      const path = `signed/${name}`;
      const put = await t.client.put(`/files/${path}`, signedFixture(name), BIN);
      expect(put.status, put.text).to.equal(200);
      expect((JSON.parse(put.text) as { image: { signatures: Block[] } }).image.signatures).to.deep.equal(
        expected(name),
      );
      const one = JSON.parse((await t.client.get(`/api/v1/files/${path}`)).text) as { image: { signatures: Block[] } };
      expect(one.image.signatures, name).to.deep.equal(expected(name));
    }
    const list = JSON.parse((await t.client.get('/api/v1/files')).text) as Array<{
      path: string;
      image: { signatures: Block[] };
    }>;
    for (const file of list) expect(file.image.signatures).to.deep.equal(expected(file.path.slice('signed/'.length)));
  });

  it("names each block in the check's X-Firmware-Signatures header, for newer clients", async () => {
    expect(
      (await t.client.put('/devices/sig-1', '"sig-1","v0.1","signed/signed-rsa3072-twice.bin"', 'text/csv')).status,
    ).to.equal(200);
    const check = await t.client.get('/devices/sig-1?app_ver=v0.1');
    expect(check.status).to.equal(200);
    expect(check.headers['x-firmware-signatures']).to.equal(
      expected('signed-rsa3072-twice.bin')
        .map((block) => `${block.scheme}; key=${block.keyDigest}; verifies=${block.verifies}`)
        .join(', '),
    );
  });
});
