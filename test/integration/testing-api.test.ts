/*
 * The example test of `fuota/testing` (docs/testing-harness.md shows it): a Node test rig starts
 * an in-memory fuota server, gives it an image and a device row, and lets its device (here an
 * HTTPS client that trusts the server's certificate and nothing else) check and download.
 */
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { OperatorRequestRefused, startEphemeralServer } from 'fuota/testing';
import type { EphemeralServerHandle } from 'fuota/testing';
import { buildEspImage } from '../support/esp-image-builder.js';

/** What a device does: GET with Basic auth over TLS, trusting only the server's CA. */
function deviceGet(server: EphemeralServerHandle, path: string): Promise<{ status: number; body: Buffer }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: server.ca, auth: `${server.username}:${server.password}`, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fuota/testing: startEphemeralServer', () => {
  const image = buildEspImage({ version: 'v2.0', segmentLengths: [20_000] });
  let server: EphemeralServerHandle;

  before(async () => {
    server = await startEphemeralServer();
  });
  after(async () => server.close());

  it('serves an uploaded image to an assigned device, as a device sees it', async () => {
    await server.upload('lamp/v2.0.bin', image);
    await server.assign('24:0A:C4:00:01:02', 'v1.0', 'lamp/v2.0.bin');
    const check = await deviceGet(server, '/devices/24:0A:C4:00:01:02?app_ver=v1.0');
    expect([check.status, check.body.toString()]).to.deep.equal([200, 'lamp/v2.0.bin']);
    expect((await deviceGet(server, '/devices/24:0A:C4:00:01:02?app_ver=v2.0')).status).to.equal(204);
    const download = await deviceGet(server, `/files/${check.body.toString()}`);
    expect(download.status).to.equal(200);
    expect(download.body.equals(image)).to.equal(true);
  });

  it('knows the device from its polls (the fleet inventory works in memory)', async () => {
    const res = await deviceGet(server, '/api/v1/devices/24:0A:C4:00:01:02');
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body.toString())).to.include({ id: '24:0A:C4:00:01:02' });
  });

  it('rejects what the server refuses with its status and explanation', async () => {
    const refused = await server.upload('junk.bin', Buffer.from('not an image')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(OperatorRequestRefused);
    expect((refused as OperatorRequestRefused).status).to.equal(422);
    const missing = await server.assign('dev-1', '1.0', 'bad/../path.bin').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((missing as OperatorRequestRefused).status).to.equal(400);
    const text = await server.upload('x.bin', 'not bytes' as unknown as Uint8Array).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(text).to.be.instanceOf(TypeError);
  });

  it('takes a credential, certificate names and a folder to preload; each server is its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fuota-testing-api-'));
    try {
      await mkdir(join(dir, 'fan'));
      await writeFile(join(dir, 'fan', 'v3.bin'), buildEspImage({ version: 'v3' }));
      await writeFile(join(dir, 'devices.csv'), '"fan-1","v2","fan/v3.bin"\n');
      const other = await startEphemeralServer({
        username: 'rig',
        password: 'rig secret',
        hostnames: ['10.0.2.2'],
        preload: dir,
      });
      try {
        expect(other).to.include({ username: 'rig', password: 'rig secret' });
        expect(other.port).to.not.equal(server.port);
        expect(new X509Certificate(other.ca).subjectAltName).to.include('IP Address:10.0.2.2');
        expect((await deviceGet(other, '/devices/fan-1?app_ver=v2')).body.toString()).to.equal('fan/v3.bin');
        expect((await deviceGet(other, '/devices/24:0A:C4:00:01:02?app_ver=v1.0')).status).to.equal(404);
      } finally {
        await other.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops on close() (twice is fine): the port no longer answers', async () => {
    const short = await startEphemeralServer();
    await Promise.all([short.close(), short.close()]);
    const error = await deviceGet(short, '/healthz').then(
      () => undefined,
      (failure: unknown) => failure as NodeJS.ErrnoException,
    );
    expect(error?.code).to.equal('ECONNREFUSED');
  });
});
