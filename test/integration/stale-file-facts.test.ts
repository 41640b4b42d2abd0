import { createHash, randomBytes } from 'node:crypto';
import { open, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { afterFileClockTick, restoreModificationTime } from '../support/file-clock.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A file replaced or edited in the store by another process: the download sent at once carries
 * the ETag (SHA-256) and length of the very bytes it sends, and so do the checks after it.
 */
describe("HTTP: file facts after a change behind the server's back", () => {
  let t: RunningTestServer;
  let files: string;
  before(async () => {
    t = await startTestServer({ storage: 'disk', validateImages: false });
    files = join(t.dataDir!, 'files');
  });
  after(() => t.stop());

  /** Uploads `bytes` through the server, assigns them to device d1, and asks for them once. */
  async function stored(bytes: Buffer): Promise<void> {
    expect((await t.client.put('/files/fw/app.bin?validate=false', bytes, 'application/octet-stream')).status).to.equal(
      200,
    );
    expect((await t.client.put('/devices/d1', '"d1","1.0","fw/app.bin"', 'text/csv')).status).to.equal(200);
    expect((await t.client.get('/files/fw/app.bin')).headers.etag).to.equal(`"${sha256(bytes)}"`);
    expect((await t.client.get('/devices/d1?app_ver=1.0')).headers['x-firmware-sha256']).to.equal(sha256(bytes));
  }

  /** The download at once, then a device check: both describe the bytes now on disk. */
  async function expectFactsOf(now: Buffer): Promise<void> {
    const download = await t.client.get('/files/fw/app.bin');
    expect(download.body.equals(now), 'the new bytes are served').to.equal(true);
    expect(download.headers.etag, 'the ETag of the bytes sent').to.equal(`"${sha256(now)}"`);
    expect(download.headers['content-length']).to.equal(String(now.length));
    const check = await t.client.get('/devices/d1?app_ver=1.0');
    expect(check.headers['x-firmware-sha256']).to.equal(sha256(now));
    expect(check.headers['x-firmware-size']).to.equal(String(now.length));
    expect(JSON.parse((await t.client.get('/api/v1/files/fw/app.bin')).text)).to.include({
      sha256: sha256(now),
      size: now.length,
    });
  }

  it('notices a file of the same size and modification time renamed over it', async () => {
    const before = randomBytes(100_000);
    await stored(before);
    const { mtimeNs } = await stat(join(files, 'fw', 'app.bin'), { bigint: true });
    const replacement = randomBytes(100_000);
    await writeFile(join(files, 'fw', 'incoming.tmp'), replacement);
    await restoreModificationTime(join(files, 'fw', 'incoming.tmp'), mtimeNs);
    await rename(join(files, 'fw', 'incoming.tmp'), join(files, 'fw', 'app.bin'));
    await expectFactsOf(replacement);
  });

  it('notices an edit in place that puts the size and modification time back', async () => {
    const before = randomBytes(100_000);
    await stored(before);
    const original = await stat(join(files, 'fw', 'app.bin'), { bigint: true });
    await afterFileClockTick(files, original.ctimeNs);
    const patch = randomBytes(4096);
    const handle = await open(join(files, 'fw', 'app.bin'), 'r+');
    await handle.write(patch, 0, patch.length, 50_000);
    await handle.close();
    await restoreModificationTime(join(files, 'fw', 'app.bin'), original.mtimeNs);
    expect((await stat(join(files, 'fw', 'app.bin'), { bigint: true })).mtimeNs, 'the time put back exactly').to.equal(
      original.mtimeNs,
    );
    const edited = Buffer.from(before);
    patch.copy(edited, 50_000);
    await expectFactsOf(edited);
  });

  it('does not offer a file replaced by hand with an image of the very version the device runs (it would reinstall it forever)', async () => {
    await stored(randomBytes(100_000));
    const sameVersion = buildEspImage({ version: '1.0' });
    await writeFile(join(files, 'fw', 'incoming.tmp'), sameVersion);
    await rename(join(files, 'fw', 'incoming.tmp'), join(files, 'fw', 'app.bin'));
    // A download notices the change at once (checks within a second: see README).
    expect((await t.client.get('/files/fw/app.bin')).body.equals(sameVersion)).to.equal(true);
    expect((await t.client.get('/devices/d1?app_ver=1.0')).status).to.equal(204);
    expect((await t.client.get('/metrics')).text).to.match(
      /fuota_device_checks_total\{outcome="reinstall_loop"\} [1-9]/,
    );
    // Another version in its place is offered again.
    const next = buildEspImage({ version: '1.1' });
    await writeFile(join(files, 'fw', 'incoming.tmp'), next);
    await rename(join(files, 'fw', 'incoming.tmp'), join(files, 'fw', 'app.bin'));
    expect((await t.client.get('/files/fw/app.bin')).body.equals(next)).to.equal(true);
    expect((await t.client.get('/devices/d1?app_ver=1.0')).status).to.equal(200);
  });
});
