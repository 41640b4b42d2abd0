import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const BYTES = 'application/octet-stream';
const p = (value: string) => value as UpdateFilePath;

/** `DELETE /files/<path>`: operators delete stored files, never one that rows still name unless forced. */
describe('HTTP: deleting a stored file', () => {
  let t: RunningTestServer;
  const image = buildEspImage({ version: 'v2.0.0' });
  beforeEach(async () => {
    t = await startTestServer({ storage: 'disk' });
  });
  afterEach(() => t.stop());

  it('deletes the file and its entry durably and answers what was deleted', async () => {
    expect((await t.client.put('/files/lamp/v2.bin', image, BYTES)).status).to.equal(200);
    // The entry as read (without `usage`, what uses it, and `patches`, the delta patches to it,
    // which only GET of one file adds).
    const { usage, patches, ...stored } = JSON.parse((await t.client.get('/api/v1/files/lamp/v2.bin')).text) as Record<
      string,
      unknown
    >;
    expect(usage).to.deep.equal({ devices: [], rollouts: [] });
    expect(patches).to.deep.equal([]);
    const res = await t.client.delete('/files/lamp/v2.bin');
    expect(res.status, res.text).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(res.text)).to.deep.equal({ deleted: stored, namedBy: [] });
    expect((await t.client.get('/files/lamp/v2.bin')).status).to.equal(404);
    expect((await t.client.get('/api/v1/files/lamp/v2.bin')).status).to.equal(404);
    expect(JSON.parse((await t.client.get('/api/v1/files')).text)).to.deep.equal([]);
    expect(await t.storage.catalog.get(p('lamp/v2.bin'))).to.equal(undefined);
    // The emptied directory went with it: `lamp` can now be a file.
    expect(await readdir(join(t.dataDir!, 'files'))).to.deep.equal([]);
    expect((await t.client.put('/files/lamp', image, BYTES)).status).to.equal(200);
  });

  it('answers 404 for a file that is not stored and 400 for a malformed path', async () => {
    const missing = await t.client.delete('/files/none.bin');
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.text)).to.include({ code: 'file-not-found' });
    expect((await t.client.delete('/files/..%2fdevices.db')).status).to.be.oneOf([400, 404]);
    expect((await t.client.delete('/files/a/.hidden')).status).to.equal(400);
  });

  it('refuses with 409 naming the rows while rows name the file, and deletes it with ?force=true', async () => {
    expect((await t.client.put('/files/lamp/v2.bin', image, BYTES)).status).to.equal(200);
    for (const id of ['d2', 'd1']) {
      expect((await t.client.put(`/devices/${id}`, `"${id}","v1.0.0","lamp/v2.bin"`, 'text/csv')).status).to.equal(200);
    }
    const refused = await t.client.delete('/files/lamp/v2.bin');
    expect(refused.status).to.equal(409);
    expect(refused.headers['content-type']).to.equal('application/problem+json');
    const problem = JSON.parse(refused.text) as { code: string; detail: string; namedBy: string[] };
    expect(problem).to.include({ code: 'file-in-use' });
    expect(problem.namedBy).to.deep.equal(['d1', 'd2']);
    expect(problem.detail).to.include('d1, d2').and.include('force');
    expect((await t.client.get('/files/lamp/v2.bin')).body.equals(image), 'still stored').to.equal(true);
    expect((await t.client.delete('/files/lamp/v2.bin?force=maybe')).status).to.equal(400);

    const forced = await t.client.delete('/files/lamp/v2.bin?force=true');
    expect(forced.status).to.equal(200);
    expect(JSON.parse(forced.text)).to.include.deep.property('namedBy', ['d1', 'd2']);
    const check = await t.client.get('/devices/d1?app_ver=v1.0.0');
    expect(check.status).to.equal(404);
    expect(JSON.parse(check.text)).to.include({ code: 'update-file-missing' });
  });

  it('answers 403 to a device credential and deletes nothing', async () => {
    expect((await t.client.put('/files/fw.bin', image, BYTES)).status).to.equal(200);
    expect((await t.client.delete('/files/fw.bin', { auth: TEST_DEVICE_CREDENTIAL })).status).to.equal(403);
    expect((await t.client.delete('/files/fw.bin', { auth: null })).status).to.equal(403);
    expect((await t.client.get('/files/fw.bin')).status).to.equal(200);
  });

  it('leaves the file and its entry together when a deletion and uploads of the same path race', async () => {
    const other = buildEspImage({ version: 'v3.0.0' });
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all([
        t.client.put('/files/race.bin', round % 2 === 0 ? image : other, BYTES),
        t.client.delete('/files/race.bin'),
        t.client.put('/files/race.bin', round % 2 === 0 ? other : image, BYTES),
      ]);
      expect(answers.map((answer) => answer.status)).to.satisfy((statuses: number[]) =>
        statuses.every((status) => [200, 404].includes(status)),
      );
      const onDisk = await t.storage.files.stat(p('race.bin'));
      const entry = await t.storage.catalog.get(p('race.bin'));
      expect(entry === undefined, `round ${round}: entry present exactly when the file is`).to.equal(
        onDisk === undefined,
      );
      if (onDisk !== undefined) expect(entry?.changeToken).to.equal(onDisk.changeToken);
    }
  });
});
