import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);
const FORM = 'application/x-www-form-urlencoded';

/** The ways a new user's first upload with curl goes wrong, and what the answer tells them. */
describe('HTTP: uploads sent the wrong way say how to send them', () => {
  let t: RunningTestServer;
  let dir: string;
  // An image with newline bytes in it, as real ones have: curl --data drops them.
  const image = buildEspImage({ version: '2.0', projectName: 'lamp\n\r' });
  before(async () => {
    t = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'fuota-upload-hints-'));
    await writeFile(join(dir, 'ca.pem'), (await testCertificate()).cert);
    await writeFile(join(dir, 'img.bin'), image);
  });
  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has an image with newline bytes to test with', () => {
    expect(image.includes(0x0a) && image.includes(0x0d)).to.equal(true);
  });

  it('answers a POST to a file (curl -F) with 405 saying to PUT the raw file', async () => {
    const res = await t.client.send('/files/x.bin', {
      method: 'POST',
      body: image,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(res.status).to.equal(405);
    const body = JSON.parse(res.text) as { code: string; detail: string };
    expect(body.code).to.equal('method-not-allowed');
    expect(body.detail).to.include('PUT').and.include('--data-binary @<file>').and.include('-T <file>');
    // Other 405s are left as they were.
    const other = JSON.parse((await t.client.send('/devices', { method: 'POST' })).text) as { detail: string };
    expect(other.detail).to.not.include('--data-binary');
  });

  it('says that curl --data may have changed the bytes when an upload declared as form data is no image', async () => {
    const mangled = Buffer.from(image.filter((byte) => byte !== 0x0a && byte !== 0x0d));
    const res = await t.client.put('/files/x.bin', mangled, FORM);
    expect(res.status).to.equal(422);
    const body = JSON.parse(res.text) as { code: string; detail: string };
    expect(body.code).to.equal('invalid-image');
    expect(body.detail)
      .to.include('sent with curl --data or -d, its newlines were stripped')
      .and.include('--data-binary @<file>');
    // The same bytes declared as a file get the refusal without the hint.
    const plain = JSON.parse((await t.client.put('/files/x.bin', mangled, 'application/octet-stream')).text) as {
      detail: string;
    };
    expect(plain.detail).to.not.include('--data');
    // Form data is not refused as such: the seed accepted uploads curl sent with that type.
    expect((await t.client.put('/files/x.bin', image, FORM)).status).to.equal(200);
  });

  describe('with curl', () => {
    before(function () {
      requireTool(this, 'curl', 'curl');
    });
    const curl = async (...args: string[]) => {
      const { stdout } = await run(
        'curl',
        [
          '-sS',
          '--cacert',
          join(dir, 'ca.pem'),
          '-u',
          `${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`,
          ...args,
        ],
        { encoding: 'utf8' },
      );
      return JSON.parse(stdout) as { status: number; detail: string };
    };

    it('curl -F file=@img.bin gets 405 saying how to upload', async () => {
      const body = await curl('-F', `file=@${join(dir, 'img.bin')}`, `${t.server.url}/files/curl-f.bin`);
      expect(body.status).to.equal(405);
      expect(body.detail).to.include('curl -T <file>');
    });

    it('curl -X PUT --data @img.bin gets 422 saying to use --data-binary', async () => {
      const body = await curl('-X', 'PUT', '--data', `@${join(dir, 'img.bin')}`, `${t.server.url}/files/curl-data.bin`);
      expect(body.status).to.equal(422);
      expect(body.detail).to.include('sent with curl --data or -d, its newlines were stripped');
      const stored = await curl(
        '-X',
        'PUT',
        '--data-binary',
        `@${join(dir, 'img.bin')}`,
        `${t.server.url}/files/curl-data.bin`,
      );
      expect(stored).to.include({ size: image.length });
    });
  });
});
