import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const BIN = 'application/octet-stream';

/** Per-device credentials over HTTPS: provisioning, confinement to the device's own update. */
describe('HTTP: per-device credentials', () => {
  let t: RunningTestServer;
  const mine = buildEspImage({ version: '2.0' });
  const theirs = buildEspImage({ version: '3.0' });
  let secret = '';
  before(async () => {
    t = await startTestServer();
    expect((await t.client.put('/files/fw/mine.bin', mine, BIN)).status).to.equal(200);
    expect((await t.client.put('/files/fw/theirs.bin', theirs, BIN)).status).to.equal(200);
    expect((await t.client.put('/devices/lamp-1', '"lamp-1","1.0","fw/mine.bin"', 'text/csv')).status).to.equal(200);
    expect((await t.client.put('/devices/lamp-2', '"lamp-2","1.0","fw/theirs.bin"', 'text/csv')).status).to.equal(200);
  });
  after(() => t.stop());

  const own = () => ({ auth: { username: 'lamp-1', password: secret } });

  it('provisions with 201, a fresh 32-character secret and Cache-Control: no-store', async () => {
    const res = await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'POST' });
    expect(res.status, res.text).to.equal(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    const body = JSON.parse(res.text) as Record<string, string>;
    expect(Object.keys(body).sort()).to.deep.equal(['createdAt', 'deviceId', 'password', 'username']);
    expect(body).to.include({ deviceId: 'lamp-1', username: 'lamp-1' });
    secret = body.password ?? '';
    expect(secret).to.match(/^[A-Za-z0-9_-]{32}$/);
  });

  it("serves the device its own file whole, by HEAD and by range, and nobody else's", async () => {
    expect((await t.client.get('/files/fw/mine.bin', own())).body.equals(mine)).to.equal(true);
    const head = await t.client.send('/files/fw/mine.bin', { method: 'HEAD', ...own() });
    expect([head.status, head.headers['content-length']]).to.deep.equal([200, String(mine.length)]);
    const part = await t.client.get('/files/fw/mine.bin', { ...own(), headers: { Range: 'bytes=16-31' } });
    expect(part.status).to.equal(206);
    expect(part.body.equals(mine.subarray(16, 32))).to.equal(true);
    for (const path of ['/files/fw/theirs.bin', '/files/fw/nothing.bin']) {
      const res = await t.client.get(path, own());
      expect(res.status, path).to.equal(404);
      expect(JSON.parse(res.text)).to.include({ code: 'file-not-found' });
    }
    expect((await t.client.get('/devices/lamp-2?app_ver=1.0', own())).status).to.equal(404);
    expect((await t.client.get('/devices/lamp-1?app_ver=1.0', own())).text).to.equal('fw/mine.bin');
  });

  it('follows the row: once the device is assigned another file, that one is its own', async () => {
    expect((await t.client.put('/devices/lamp-1', '"lamp-1","1.0","fw/theirs.bin"', 'text/csv')).status).to.equal(200);
    expect((await t.client.get('/files/fw/theirs.bin', own())).status).to.equal(200);
    expect((await t.client.get('/files/fw/mine.bin', own())).status).to.equal(404);
  });

  it('keeps shared device credentials working for every device', async () => {
    const shared = { auth: TEST_DEVICE_CREDENTIAL };
    expect((await t.client.get('/devices/lamp-2?app_ver=1.0', shared)).text).to.equal('fw/theirs.bin');
    expect((await t.client.get('/files/fw/mine.bin', shared)).status).to.equal(200);
  });

  it('refuses provisioning to devices and malformed ids, and status and revocation of unknown ones', async () => {
    expect((await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'POST', ...own() })).status).to.equal(
      403,
    );
    expect(
      (await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'POST', auth: TEST_DEVICE_CREDENTIAL }))
        .status,
    ).to.equal(403);
    expect((await t.client.send('/api/v1/devices/bad%20id/credentials', { method: 'POST' })).status).to.equal(400);
    expect((await t.client.send('/api/v1/devices/nobody/credentials', { method: 'DELETE' })).status).to.equal(404);
    const status = await t.client.get('/api/v1/devices/nobody/credentials');
    expect(status.status).to.equal(404);
    expect(JSON.parse(status.text)).to.include({ code: 'credential-not-found' });
    const put = await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'PUT' });
    expect(put.status).to.equal(405);
  });

  it('never logs the secret', () => {
    expect(t.logger.lines.join('\n')).to.not.include(secret);
  });
});
