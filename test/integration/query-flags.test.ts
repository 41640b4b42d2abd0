import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

const BYTES = 'application/octet-stream';

/** `?force=` and `?validate=` take the spellings FUOTA_VALIDATE_IMAGES takes: true/false, 1/0, yes/no. */
describe('HTTP: yes/no query flags', () => {
  let t: RunningTestServer;
  let lenient: RunningTestServer;
  before(async () => {
    t = await startTestServer();
    lenient = await startTestServer({ validateImages: false });
  });
  after(async () => {
    await t.stop();
    await lenient.stop();
  });

  it('deletes a file rows name with ?force=yes, and refuses with ?force=no', async () => {
    expect((await t.client.put('/files/fw.bin', buildEspImage({ version: '2.0' }), BYTES)).status).to.equal(200);
    expect((await t.client.put('/devices/d1', '"d1","1.0","fw.bin"', 'text/csv')).status).to.equal(200);
    expect(JSON.parse((await t.client.delete('/files/fw.bin?force=no')).text)).to.include({
      status: 409,
      code: 'file-in-use',
    });
    const forced = await t.client.delete('/files/fw.bin?force=yes');
    expect(forced.status, forced.text).to.equal(200);
    expect((await t.client.get('/files/fw.bin')).status).to.equal(404);
  });

  it('stores a non-image with ?validate=no, and validates with ?validate=yes where validation is off', async () => {
    const stored = await t.client.put('/files/other.bin?validate=no', 'not an image', BYTES);
    expect(stored.status, stored.text).to.equal(200);
    const refused = await lenient.client.put('/files/other.bin?validate=yes', 'not an image', BYTES);
    expect(JSON.parse(refused.text)).to.include({ status: 422, code: 'invalid-image' });
  });

  it('still refuses other spellings with 400 invalid-record, naming the ones it takes', async () => {
    for (const [path, method] of [
      ['/files/fw.bin?force=maybe', 'DELETE'],
      ['/files/x.bin?validate=perhaps', 'PUT'],
    ] as const) {
      const res = await t.client.send(path, { method, body: 'x', headers: { 'Content-Type': BYTES } });
      const body = JSON.parse(res.text) as { status: number; code: string; detail: string };
      expect(body, path).to.include({ status: 400, code: 'invalid-record' });
      expect(body.detail, path).to.include('yes/no');
    }
  });
});
