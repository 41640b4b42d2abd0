import { expect } from 'chai';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import { applyDeltaPatch } from '../../src/domain/delta/delta-patch.js';
import { imageDigest, release, sha256 } from '../support/delta-images.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';
import { startTestServer, type RunningTestServer } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const listed = async (t: RunningTestServer) =>
  (JSON.parse((await t.client.get('/api/v1/deltas')).text) as { patches: Array<{ id: string }> }).patches.map(
    (patch) => patch.id,
  );

/**
 * Delta patches on two servers sharing one PostgreSQL database and one bucket: a patch one
 * server builds (under the bucket's .deltas/) the other lists and offers, told by the change
 * feed; a removal and a deletion of the base file reach it too; a third server started later
 * reads the patches back from the bucket.
 */
describe('two instances on PostgreSQL and S3: delta patches', function () {
  this.timeout(60_000);
  let database: TestDatabase | undefined;
  let s3: TestS3Server | undefined;
  let first: RunningTestServer;
  let second: RunningTestServer;
  let shared: Parameters<typeof startTestServer>[0];

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    shared = { shared: { databaseUrl: database.url, s3: { client: s3!.client, bucket: s3!.bucket, prefix: 'fleet' } } };
    first = await startTestServer(shared);
    second = await startTestServer(shared);
  });

  after(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
    await s3?.stop();
  });

  it('a patch built by one server is listed and offered by the other; a restart reads it back; removals reach both', async () => {
    const v1 = release('1.0.0');
    const v2 = release('2.0.0');
    expect((await first.client.put('/files/fw/v1.bin', v1, BIN)).status).to.equal(200);
    expect((await first.client.put('/files/fw/v2.bin', v2, BIN)).status).to.equal(200);
    await first.server.deltas.settled();
    const id = `${sha256(v2)}.${sha256(v1)}.${EDO1_HS8_7}`;
    expect(await listed(first)).to.deep.equal([id]);

    await eventually(async () => (await listed(second)).includes(id), 'the second server lists the patch');
    const target = await second.storage.catalog.get('fw/v2.bin' as UpdateFilePath);
    await eventually(
      async () => second.server.deltas.offerFor(target!, EDO1_HS8_7, imageDigest(v1))?.id === id,
      'the second server offers it',
    );
    const opened = await second.server.deltas.open(id);
    const bytes: Buffer[] = [];
    for await (const chunk of opened!.blob.content()) bytes.push(Buffer.from(chunk));
    expect(sha256(applyDeltaPatch(v1, Buffer.concat(bytes)))).to.equal(sha256(v2));

    // A server started later reads the patches from the bucket.
    const third = await startTestServer(shared);
    try {
      expect(await listed(third)).to.deep.equal([id]);
    } finally {
      await third.stop();
    }

    // Deleting the base file through the second server removes the patch for both.
    expect((await second.client.delete('/files/fw/v1.bin')).status).to.equal(200);
    await second.server.deltas.settled();
    expect(await listed(second)).to.deep.equal([]);
    await eventually(async () => (await listed(first)).length === 0, 'the first server forgets the patch');
  });
});
