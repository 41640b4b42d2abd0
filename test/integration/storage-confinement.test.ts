import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-STORE';

/** No request reads or writes outside the update files: traversal forms and planted symlinks. */
describe('HTTP: storage confinement', () => {
  let t: RunningTestServer;
  let outside: string;
  before(async () => {
    t = await startTestServer({ storage: 'disk', validateImages: false });
    outside = await mkdtemp(join(tmpdir(), 'fuota-outside-'));
    await writeFile(join(outside, 'secret.bin'), SECRET);
    await writeFile(join(t.dataDir!, 'secret.bin'), SECRET);
    const files = join(t.dataDir!, 'files');
    await mkdir(join(files, 'fw'), { recursive: true });
    await writeFile(join(files, 'fw', 'real.bin'), 'inside');
    await symlink(join(outside, 'secret.bin'), join(files, 'fw', 'link-out.bin'));
    await symlink(outside, join(files, 'dir-out'));
    await symlink(join(files, 'fw', 'real.bin'), join(files, 'fw', 'link-in.bin'));
  });
  after(async () => {
    await t.stop();
    await rm(outside, { recursive: true, force: true });
  });

  const traversals = [
    '/files/../secret.bin',
    '/files/..%2fsecret.bin',
    '/files/%2e%2e/secret.bin',
    '/files/%2e%2e%2fsecret.bin',
    '/files/%252e%252e%252fsecret.bin',
    '/files/..%5csecret.bin',
    '/files/..\\secret.bin',
    '/files/fw/..%2f..%2fsecret.bin',
    '/files/%c0%ae%c0%ae/secret.bin',
    '/files/%c0%ae%c0%ae%c0%afsecret.bin',
    '/files/%e0%80%ae%e0%80%ae/secret.bin',
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/files/secret.bin%00.bin',
    '/files/fw/real.bin%00',
    '/files/C:%5cWindows%5cwin.ini',
    '/files/.%2e/secret.bin',
    '/files/%2e/secret.bin',
    '/files/fw/./real.bin',
    '/files/..%c0%afsecret.bin',
    '/files/..%u2216secret.bin',
    '/files/%uff0e%uff0e/secret.bin',
    '/files/../devices.db',
    '/files/../tls/key.pem',
    '/files/../credential.json',
    '/files/%2e%2e/tls/key.pem',
  ];

  for (const method of ['GET', 'HEAD', 'PUT'] as const) {
    it(`answers every traversal form with 400 or 404 for ${method}, never the secret, never a write outside`, async () => {
      for (const path of traversals) {
        const res = await t.client.send(path, {
          method,
          ...(method === 'PUT' ? { body: 'overwrite', headers: { 'Content-Type': 'application/octet-stream' } } : {}),
        });
        expect([400, 404], `${method} ${path} -> ${res.status}`).to.include(res.status);
        expect(res.text).to.not.include(SECRET).and.not.include('PRIVATE KEY').and.not.include('SQLite format');
      }
      expect((await readdir(outside)).sort()).to.deep.equal(['secret.bin']);
    });
  }

  it('does not follow a planted symlink out of the store, for downloads, checks or uploads', async () => {
    expect((await t.client.get('/files/fw/link-out.bin')).status).to.equal(404);
    expect((await t.client.get('/files/dir-out/secret.bin')).status).to.equal(404);
    expect((await t.client.send('/files/dir-out/secret.bin', { method: 'HEAD' })).status).to.equal(404);
    const upload = await t.client.put('/files/dir-out/planted.bin', 'x', 'application/octet-stream');
    expect(upload.status).to.equal(409);
    expect((await readdir(outside)).sort()).to.deep.equal(['secret.bin']);
    await t.client.put('/devices/d1', '"d1","1.0","fw/link-out.bin"', 'text/csv');
    expect((await t.client.get('/devices/d1?app_ver=1.0')).status).to.equal(404);
  });

  it('still serves a symlink that stays inside the store', async () => {
    expect((await t.client.get('/files/fw/link-in.bin')).text).to.equal('inside');
    expect((await t.client.get('/files/fw/real.bin')).text).to.equal('inside');
  });

  it('keeps uploads of images inside the store, at their path', async () => {
    expect((await t.client.put('/files/fw/ok.bin', buildEspImage(), 'application/octet-stream')).status).to.equal(200);
    expect(await readdir(join(t.dataDir!, 'files', 'fw'))).to.include('ok.bin');
  });
});
