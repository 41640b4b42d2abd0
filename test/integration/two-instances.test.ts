import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';
import { startTestServer, type RunningTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/**
 * Two fuota servers on one PostgreSQL database and one bucket (issue 19): what one stores, the
 * other serves at once, because neither keeps a copy of rows, catalog entries or files that the
 * other could change; and what each keeps a view of in memory (the stored images' facts, which
 * devices have a row) follows the other's changes over LISTEN/NOTIFY. The fleet itself (inventory,
 * attempts, rollouts) across two servers: two-instances-fleet.test.ts.
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

  it("the other's view of stored images and of rows follows: image facts at the next check, unassigned at once", async () => {
    // A device checks the second server, running a version no stored image has, without a row.
    expect((await second.client.get('/devices/lamp-9?app_ver=4.0.0', device)).status).to.equal(404);
    const view = async () =>
      JSON.parse((await second.client.get('/api/v1/devices/lamp-9')).text) as {
        image: { project: string } | null;
        unassigned: boolean;
      };
    expect(await view()).to.deep.include({ image: null, unassigned: true });
    // The first server stores an image of that version, and gives the device a row offering a newer one.
    const image = buildEspImage({ version: '4.0.0', projectName: 'lamp-firmware', segmentLengths: [20_000] });
    expect((await first.client.put('/files/fw/v4.bin', image, 'application/octet-stream')).status).to.equal(200);
    const next = buildEspImage({ version: '5.0.0', projectName: 'lamp-firmware', segmentLengths: [20_000] });
    expect((await first.client.put('/files/fw/v5.bin', next, 'application/octet-stream')).status).to.equal(200);
    expect((await first.client.put('/devices/lamp-9', '"lamp-9","4.0.0","fw/v5.bin"', 'text/csv')).status).to.equal(
      200,
    );
    await eventually(async () => (await view()).unassigned === false, 'the second server sees the row');
    // Its image index was refreshed too: the next check there records the image's facts.
    await eventually(async () => {
      expect((await second.client.get('/devices/lamp-9?app_ver=4.0.0', device)).text).to.equal('fw/v5.bin');
      return (await view()).image?.project === 'lamp-firmware';
    }, 'the second server knows the image the device runs');
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
