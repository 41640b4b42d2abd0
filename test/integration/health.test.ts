import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

/** `GET /healthz`: no credentials, 200 while storage reads and writes, 503 naming the part that does not. */
describe('HTTP: health', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ storage: 'disk' });
  });
  after(() => t.stop());

  it('answers 200 without credentials when the database and the file store work', async () => {
    const res = await t.client.get('/healthz', { auth: null });
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(JSON.parse(res.text)).to.deep.equal({ status: 'ok', checks: { database: 'ok', files: 'ok' } });
    expect((await t.client.send('/healthz', { method: 'HEAD', auth: null })).status).to.equal(200);
    const post = await t.client.send('/healthz', { method: 'POST', auth: null });
    expect([post.status, post.headers.allow]).to.deep.equal([405, 'GET, HEAD']);
  });

  it("answers 200 to many asks at once (found by a review: their probes removed each other's file: 503)", async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => t.client.get('/healthz', { auth: null })));
    expect(answers.map((res) => res.status)).to.deep.equal(answers.map(() => 200));
  });

  it('answers 503 naming the failing part while the file store is gone, and 200 once it is back', async () => {
    const files = join(t.dataDir ?? '', 'files');
    await rename(files, `${files}-moved`);
    try {
      const res = await t.client.get('/healthz', { auth: null });
      expect(res.status).to.equal(503);
      expect(JSON.parse(res.text)).to.deep.equal({ status: 'failing', checks: { database: 'ok', files: 'failing' } });
      expect(res.text).to.not.include(t.dataDir ?? 'x');
      expect(
        t.logger.lines.some((line) => line.includes('health check failed') && line.includes('"part":"files"')),
      ).to.equal(true);
    } finally {
      await rename(`${files}-moved`, files);
    }
    expect((await t.client.get('/healthz', { auth: null })).status).to.equal(200);
  });

  it('answers 503 for the database when its directory cannot be written', async () => {
    const dir = t.dataDir ?? '';
    await rename(dir, `${dir}-moved`);
    try {
      const res = await t.client.get('/healthz', { auth: null });
      expect(res.status).to.equal(503);
      expect(JSON.parse(res.text)).to.deep.equal({
        status: 'failing',
        checks: { database: 'failing', files: 'failing' },
      });
    } finally {
      await rename(`${dir}-moved`, dir);
    }
    expect((await t.client.get('/healthz', { auth: null })).status).to.equal(200);
  });
});
