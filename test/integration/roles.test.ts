import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/** A device credential may check and download; everything else needs an operator (403 otherwise). */
describe('HTTP: roles', () => {
  let t: RunningTestServer;
  const image = buildEspImage({ version: '2.0' });
  before(async () => {
    t = await startTestServer();
    expect((await t.client.put('/files/fw.bin', image, 'application/octet-stream')).status).to.equal(200);
    expect((await t.client.put('/devices/d1', '"d1","1.0","fw.bin"', 'text/csv')).status).to.equal(200);
  });
  after(() => t.stop());

  const device = { auth: TEST_DEVICE_CREDENTIAL };

  it('lets a device credential check and download (GET, HEAD, ranges)', async () => {
    expect((await t.client.get('/devices/d1?app_ver=1.0', device)).text).to.equal('fw.bin');
    expect((await t.client.get('/devices/d1?app_ver=2.0', device)).status).to.equal(204);
    expect((await t.client.get('/files/fw.bin', device)).body.equals(image)).to.equal(true);
    expect((await t.client.send('/files/fw.bin', { method: 'HEAD', ...device })).status).to.equal(200);
    expect((await t.client.get('/files/fw.bin', { ...device, headers: { Range: 'bytes=0-9' } })).status).to.equal(206);
  });

  it('answers a device credential on every operator request with 403 and changes nothing', async () => {
    const attempts: Array<[string, string, string | undefined, string | undefined]> = [
      ['GET', '/devices', undefined, undefined],
      ['PUT', '/devices/d1', '"d1","9.9","fw.bin"', 'text/csv'],
      ['DELETE', '/devices/d1', undefined, undefined],
      ['PUT', '/files/fw.bin', 'overwritten', 'application/octet-stream'],
      ['GET', '/api/v1/files', undefined, undefined],
      ['GET', '/api/v1/files/fw.bin', undefined, undefined],
    ];
    for (const [method, path, body, type] of attempts) {
      const res = await t.client.send(path, {
        method,
        ...device,
        ...(body === undefined ? {} : { body, headers: { 'Content-Type': type ?? '' } }),
      });
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(JSON.parse(res.text)).to.include({ code: 'operator-only' });
    }
    expect((await t.client.get('/devices')).text).to.equal('"d1","1.0","fw.bin"\n');
    expect((await t.client.get('/files/fw.bin')).body.equals(image)).to.equal(true);
  });

  it('lets the operator (and the seed-compatible shared credential) do everything', async () => {
    expect((await t.client.get('/devices', { auth: TEST_CREDENTIAL })).status).to.equal(200);
    expect((await t.client.get('/api/v1/files', { auth: TEST_CREDENTIAL })).status).to.equal(200);
    expect((await t.client.get('/devices/d1?app_ver=1.0', { auth: TEST_CREDENTIAL })).status).to.equal(200);
  });

  it('never lets a device credential be mistaken for wrong credentials (no failure counted, no WWW-Authenticate)', async () => {
    const res = await t.client.get('/devices', device);
    expect(res.headers['www-authenticate']).to.equal(undefined);
  });
});
