import { expect } from 'chai';
import type { HttpResponse } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { signedFixture, signedManifest, skipWithoutSignedFixtures } from '../support/signed-fixtures.js';

const BIN = 'application/octet-stream';

interface Problem {
  code: string;
  detail: string;
  problems: Array<{ path: string[]; message: string }>;
}

/**
 * Rollouts and trusted keys, over HTTPS: while keys are set, a rollout cannot be created, edited,
 * started, resumed or advanced with a target image not signed by one of them; without keys, as before.
 */
describe('HTTP: rollout targets and trusted signing keys', function () {
  let t: RunningTestServer;
  const send = (method: string, path: string, body?: unknown): Promise<HttpResponse> =>
    t.client.send(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
  const create = (name: string, file: string, extra: object = {}) =>
    send('POST', '/api/v1/rollouts', { name, file, ...extra });
  const refusal = (res: HttpResponse): Problem => {
    expect(res.status, res.text).to.equal(400);
    const problem = JSON.parse(res.text) as Problem;
    expect(problem.code).to.equal('invalid-rollout');
    return problem;
  };

  before(async function () {
    skipWithoutSignedFixtures(this);
    t = await startTestServer();
    // Stored before any key is trusted: uploads are not refused yet.
    for (const [path, bytes] of [
      ['rsa.bin', signedFixture('signed-rsa3072.bin')],
      ['p256.bin', signedFixture('signed-ecdsa256.bin')],
      ['plain.bin', buildEspImage({ version: '9.9.9' })],
      ['tampered.bin', signedFixture('tampered-signature-rsa3072.bin')],
    ] as const) {
      expect((await t.client.put(`/files/${path}`, bytes, BIN)).status).to.equal(200);
    }
  });
  after(() => t?.stop());

  it('without trusted keys, targets any stored image, signed or not', async () => {
    for (const file of ['plain.bin', 'p256.bin']) expect((await create(`before ${file}`, file)).status).to.equal(201);
    const waved = await create('running plain.bin', 'plain.bin', { waves: [50, 100] });
    expect(waved.status, waved.text).to.equal(201);
    const { id } = JSON.parse(waved.text) as { id: string };
    expect((await send('POST', `/api/v1/rollouts/${id}/start`)).status).to.equal(200);
  });

  it('with a trusted key, refuses to create or edit a rollout of an image not signed by it, naming what was found', async () => {
    const key = signedManifest().keys.rsa3072?.keyDigest ?? '';
    expect((await send('POST', '/api/v1/signing-keys', { keyDigest: key })).status).to.equal(201);
    for (const [file, reason] of [
      ['plain.bin', 'unsigned'],
      ['p256.bin', 'untrusted-key'],
      ['tampered.bin', 'signature-does-not-verify'],
    ] as const) {
      const problem = refusal(await create(`after ${file}`, file, { waves: [50, 10] }));
      const messages = problem.problems.map((one) => `${one.path.join('.')}: ${one.message}`);
      expect(
        messages.some((one) => one.startsWith(`file: ${file} is not signed by a trusted key (${reason})`)),
        file,
      ).to.equal(true);
      // The definition's other problems are named beside it.
      expect(problem.problems.some((one) => one.path[0] === 'waves')).to.equal(true);
    }
    const created = await create('trusted', 'rsa.bin');
    expect(created.status, created.text).to.equal(201);
    const { id } = JSON.parse(created.text) as { id: string };
    refusal(await send('PATCH', `/api/v1/rollouts/${id}`, { name: 'trusted', file: 'plain.bin' }));
    expect((await send('PATCH', `/api/v1/rollouts/${id}`, { name: 'renamed', file: 'rsa.bin' })).status).to.equal(200);
    expect((await send('POST', `/api/v1/rollouts/${id}/start`)).status).to.equal(200);
  });

  it('refuses to start a rollout made before the key was trusted, until the key is gone', async () => {
    const list = JSON.parse((await t.client.get('/api/v1/rollouts')).text) as {
      items: Array<{ id: string; name: string }>;
    };
    const before = list.items.find((rollout) => rollout.name === 'before plain.bin');
    expect(before).to.not.equal(undefined);
    const refused = refusal(await send('POST', `/api/v1/rollouts/${before?.id ?? ''}/start`));
    expect(refused.detail).to.match(/cannot start: plain\.bin is not signed by a trusted key \(unsigned\)/);
    // A running rollout is not advanced to more devices either.
    const running = list.items.find((rollout) => rollout.name === 'running plain.bin');
    const advance = refusal(await send('POST', `/api/v1/rollouts/${running?.id ?? ''}/advance`));
    expect(advance.detail).to.match(/cannot advance: plain\.bin is not signed by a trusted key \(unsigned\)/);
    const key = signedManifest().keys.rsa3072?.keyDigest ?? '';
    expect((await t.client.delete(`/api/v1/signing-keys/${key}`)).status).to.equal(200);
    expect((await send('POST', `/api/v1/rollouts/${before?.id ?? ''}/start`)).status).to.equal(200);
  });
});
