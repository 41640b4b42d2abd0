import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';
import { startTestServer, type RunningTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/**
 * Two fuota servers on one PostgreSQL database and one bucket (issue 19): what one stores, the
 * other serves at once, because neither keeps a copy of rows, catalog entries or files that the
 * other could change. (What each keeps in memory, the fleet's inventory and rollouts, is not yet
 * shared: see docs/operations.md, "One instance per database for now".)
 */
describe('two instances on one PostgreSQL database and one bucket', function () {
  this.timeout(60_000);
  let database: TestDatabase | undefined;
  let s3: TestS3Server | undefined;
  let first: RunningTestServer;
  let second: RunningTestServer;
  const device = { auth: TEST_DEVICE_CREDENTIAL };

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    const shared = { databaseUrl: database.url, s3: { client: s3!.client, bucket: s3!.bucket, prefix: 'fleet' } };
    first = await startTestServer({ shared });
    second = await startTestServer({ shared });
  });

  after(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
    await s3?.stop();
  });

  it('an upload through one is downloadable through the other at once, byte for byte and by range', async () => {
    const image = buildEspImage({ version: '3.1.0', segmentLengths: [200_000, 4_000] });
    expect((await first.client.put('/files/fw/v3.1.bin', image, 'application/octet-stream')).status).to.equal(200);
    const whole = await second.client.get('/files/fw/v3.1.bin', { ...device });
    expect(whole.status).to.equal(200);
    expect(whole.body.equals(image)).to.equal(true);
    const part = await second.client.get('/files/fw/v3.1.bin', { ...device, headers: { Range: 'bytes=100-199' } });
    expect(part.status).to.equal(206);
    expect(part.body.equals(image.subarray(100, 200))).to.equal(true);
    const listed = JSON.parse((await second.client.get('/api/v1/files/fw/v3.1.bin')).text) as { size: number };
    expect(listed.size).to.equal(image.length);
  });

  it('a row written through one answers through the other at once; a deletion too', async () => {
    expect((await first.client.put('/devices/lamp-7', '"lamp-7","3.0.0","fw/v3.1.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const offered = await second.client.get('/devices/lamp-7?app_ver=3.0.0', device);
    expect([offered.status, offered.text]).to.deep.equal([200, 'fw/v3.1.bin']);
    expect((await second.client.get('/devices')).text).to.equal('"lamp-7","3.0.0","fw/v3.1.bin"\n');
    expect((await second.client.delete('/devices/lamp-7')).status).to.equal(200);
    expect((await first.client.get('/devices/lamp-7?app_ver=3.0.0', device)).status).to.equal(404);
  });

  it('a file replaced through one is served new through the other, and deleted through one is gone from both', async () => {
    const newer = buildEspImage({ version: '3.1.1', segmentLengths: [90_000] });
    expect((await second.client.put('/files/fw/v3.1.bin', newer, 'application/octet-stream')).status).to.equal(200);
    const served = await first.client.get('/files/fw/v3.1.bin', { ...device });
    expect(served.body.equals(newer)).to.equal(true);
    expect((await first.client.delete('/files/fw/v3.1.bin')).status).to.equal(200);
    expect((await second.client.get('/files/fw/v3.1.bin', device)).status).to.equal(404);
  });
});
