import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { S3BlobStore } from '../../src/adapters/outbound/s3/s3-blob-store.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import { requireS3Server, serverClientVia, type TestS3Server } from '../support/s3-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * A HeadObject (every stat, and the start of every open: a check offering a file, a download)
 * fails as unreachable at its own deadline when the store hangs, not after the client's whole
 * budget of three 15 s silences: a device's check waited 54 s for its 503.
 */
describe('an object store that hangs, for a stat', function () {
  this.timeout(60_000);
  let s3: TestS3Server | undefined;
  let proxy: TcpProxy | undefined;
  let client: S3Client | undefined;

  before(async function () {
    s3 = await requireS3Server(this);
    proxy = await TcpProxy.start(Number(new URL(s3!.endpoint).port));
    // The server's own client configuration, with silences long enough that only the deadline
    // can end the wait quickly.
    client = serverClientVia(s3!, proxy.port, { connectMs: 500, idleMs: 10_000 });
  });

  after(async () => {
    proxy?.restore();
    client?.destroy();
    await proxy?.close();
    await s3?.stop();
  });

  it('fails as unreachable (503) at the deadline, and answers again once the store does', async () => {
    const store = await S3BlobStore.open({ client: client!, bucket: s3!.bucket, headDeadlineMs: 1_000 });
    const path = 'fw/deadline.bin' as UpdateFilePath;
    await (await store.put(path, once(new Uint8Array(16)), { maxBytes: 100 })).settle();
    proxy!.blackhole();
    const started = Date.now();
    const failed = await store.stat(path).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).to.have.property('code', 'storage-unavailable');
    // Well before one 10 s silence, let alone three.
    expect(Date.now() - started).to.be.below(8_000);
    proxy!.restore();
    expect((await store.stat(path))?.size).to.equal(16);
  });
});
