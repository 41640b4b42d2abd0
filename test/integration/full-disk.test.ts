import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { RoleAuthenticator } from '../../src/app/auth/role-authenticator.js';
import { openDiskStorage } from '../../src/main/bootstrap/storage.js';
import { dataLayout } from '../../src/main/config/data-layout.js';
import { FuotaServer } from '../../src/main/fuota-server.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { FaultyFileIo } from '../support/faulty-file-io.js';
import { HttpsTestClient } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { RecordingLogger, startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { NODE_CREDENTIAL_HASHING } from '../../src/main/node-credential-hashing.js';

/** A test server whose file store writes through `io` (the database writes normally). */
async function startWithFileIo(io: FaultyFileIo): Promise<{ server: FuotaServer; client: HttpsTestClient; dataDir: string }> {
  // The usual test configuration, taken from a throw-away in-memory test server (so that fields
  // added to Config later come along without editing this helper).
  const template: RunningTestServer = await startTestServer();
  const config = template.config;
  await template.stop();
  const dataDir = await mkdtemp(join(tmpdir(), 'fuota-full-disk-'));
  const layout = dataLayout(dataDir);
  const disk = await openDiskStorage(layout);
  const storage = { ...disk, files: await FileSystemBlobStore.open(layout.filesDir, { io }) };
  const tls = await testCertificate();
  const server = await FuotaServer.start({
    config: { ...config, dataDir },
    storage,
    authenticator: new RoleAuthenticator([{ secret: { kind: 'plain', ...TEST_CREDENTIAL }, role: 'operator' }], NODE_CREDENTIAL_HASHING),
    tls,
    logger: new RecordingLogger(),
  });
  return { server, client: new HttpsTestClient(`https://localhost:${server.address.port}`, tls.cert, TEST_CREDENTIAL), dataDir };
}

describe('HTTP: an upload onto a disk that fills', () => {
  let io: FaultyFileIo;
  let server: FuotaServer;
  let client: HttpsTestClient;
  let dataDir: string;
  const previous = buildEspImage({ version: 'v1.0.0' });
  const bigger = buildEspImage({ version: 'v2.0.0', segmentLengths: [100_000, 75_000] });

  before(async () => {
    io = new FaultyFileIo();
    ({ server, client, dataDir } = await startWithFileIo(io));
  });
  after(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

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
    const listed = JSON.parse((await client.get('/api/v1/files/fw/app.bin')).text) as { size: number; image: { version: string } };
    expect(listed).to.include({ size: previous.length });
    expect(listed.image.version).to.equal('v1.0.0');
    expect(await readdir(join(dataDir, 'files', 'fw')), 'no temporary left').to.deep.equal(['app.bin']);

    // Space freed: the same upload now succeeds, without a restart.
    expect((await client.put('/files/fw/app.bin', bigger, 'application/octet-stream')).status).to.equal(200);
    expect((await client.get('/files/fw/app.bin')).body.equals(bigger)).to.equal(true);
  });
});
