import { expect } from 'chai';
import type { S3Client } from '@aws-sdk/client-s3';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import { requireS3Server, serverClientVia, type TestS3Server } from '../support/s3-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type RunningTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/**
 * The object store out of reach while fuota serves (issue 19), behind a proxy that cuts the
 * network without closing anything (the hard case: nothing says the store is gone): downloads,
 * uploads and the health check answer 503 within the client's timeouts, never hang or cut the
 * connection, and service comes back by itself.
 */
describe('an object store out of reach while serving', function () {
  this.timeout(60_000);
  let s3: TestS3Server | undefined;
  let proxy: TcpProxy | undefined;
  let client: S3Client | undefined;
  let running: RunningTestServer | undefined;
  const image = buildEspImage({ version: '2.0.0', segmentLengths: [60_000] });
  const device = { auth: TEST_DEVICE_CREDENTIAL };

  before(async function () {
    s3 = await requireS3Server(this);
    proxy = await TcpProxy.start(Number(new URL(s3!.endpoint).port));
    // The server's own client configuration (timeouts, 503 mapping), with short timeouts.
    client = serverClientVia(s3!, proxy.port, { connectMs: 500, idleMs: 1_000 });
    running = await startTestServer({ shared: { s3: { client, bucket: s3!.bucket } } });
    expect((await running.client.put('/files/fw/v2.bin', image, 'application/octet-stream')).status).to.equal(200);
  });

  after(async () => {
    proxy?.restore();
    await running?.stop();
    client?.destroy();
    await proxy?.close();
    await s3?.stop();
  });

  it('answers 503 with Retry-After to downloads and uploads, and /healthz marks the files, while nothing gets through', async () => {
    proxy!.blackhole();
    const started = Date.now();
    const download = await running!.client.get('/files/fw/v2.bin', device);
    expect(download.status, download.text).to.equal(503);
    expect(download.headers['retry-after']).to.equal('5');
    expect(JSON.parse(download.text)).to.include({ code: 'storage-unavailable' });
    const upload = await running!.client.put('/files/fw/v3.bin', image, 'application/octet-stream');
    expect(upload.status, upload.text).to.equal(503);
    const health = await running!.client.get('/healthz', { auth: null });
    expect(health.status).to.equal(503);
    expect(JSON.parse(health.text)).to.deep.include({ checks: { files: 'failing' } });
    // Bounded by the client's timeouts and retries, not by the caller's patience.
    expect(Date.now() - started).to.be.below(40_000);
  });

  it('serves again once the store can be reached, without a restart; the refused upload left nothing', async () => {
    proxy!.restore();
    await eventually(
      async () => (await running!.client.get('/healthz', { auth: null })).status === 200,
      'healthy again',
    );
    const download = await running!.client.get('/files/fw/v2.bin', device);
    expect(download.status).to.equal(200);
    expect(download.body.equals(image)).to.equal(true);
    expect((await running!.client.get('/files/fw/v3.bin', device)).status).to.equal(404);
  });
});
