import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { FaultyFileIo } from '../support/faulty-file-io.js';
import type { HttpsTestClient } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

describe('HTTP: an upload onto a disk that fills', () => {
  let io: FaultyFileIo;
  let t: RunningTestServer;
  let client: HttpsTestClient;
  const previous = buildEspImage({ version: 'v1.0.0' });
  const bigger = buildEspImage({ version: 'v2.0.0', segmentLengths: [100_000, 75_000] });

  before(async () => {
    io = new FaultyFileIo();
    t = await startTestServer({ filesIo: io });
    client = t.client;
  });
  after(() => t.stop());

  it('answers 507 with a storage-full problem, and GET goes on serving the previous version whole', async () => {
    expect((await client.put('/files/fw/app.bin', previous, 'application/octet-stream')).status).to.equal(200);
    io.fillDisk(122_880);
    const refused = await client.put('/files/fw/app.bin', bigger, 'application/octet-stream');
    expect(refused.status, refused.text).to.equal(507);
    expect(refused.headers['content-type']).to.equal('application/problem+json');
    expect(JSON.parse(refused.text)).to.include({ status: 507, code: 'storage-full' });
    expect(JSON.parse(refused.text).detail).to.match(/disk is full/);
    io.freeDisk();

    const served = await client.get('/files/fw/app.bin');
    expect(served.status).to.equal(200);
    expect(served.body.equals(previous), 'the previous bytes, whole').to.equal(true);
    expect(served.headers.etag).to.equal(`"${createHash('sha256').update(previous).digest('hex')}"`);
    const listed = JSON.parse((await client.get('/api/v1/files/fw/app.bin')).text) as {
      size: number;
      image: { version: string };
    };
    expect(listed).to.include({ size: previous.length });
    expect(listed.image.version).to.equal('v1.0.0');
    expect(await readdir(join(t.dataDir ?? '', 'files', 'fw')), 'no temporary left').to.deep.equal(['app.bin']);

    // Space freed: the same upload now succeeds, without a restart.
    expect((await client.put('/files/fw/app.bin', bigger, 'application/octet-stream')).status).to.equal(200);
    expect((await client.get('/files/fw/app.bin')).body.equals(bigger)).to.equal(true);
  });
});
