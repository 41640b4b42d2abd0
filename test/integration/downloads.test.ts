import { eventually } from '../support/eventually.js';
import { expect } from 'chai';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../../src/ports/blob-store.port.js';
import { buildEspImage, prng } from '../support/esp-image-builder.js';
import { EspHttpsOtaEmulator } from '../support/esp-https-ota-emulator.js';
import { basicHeader, openRawTls, readResponse } from '../support/raw-tls.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';

/** Downloads that every esp_https_ota mode can use (design.md section 5). */
describe('HTTP: downloads for every ESP-IDF client mode', () => {
  let t: RunningTestServer;
  let etag: string;
  const image = buildEspImage({ version: 'v3.0.0', segmentLengths: [150_000, 37_000, 200_004] });
  const size = image.length;

  let testCa: string;

  before(async () => {
    t = await startTestServer({ storage: 'disk' });
    testCa = (await testCertificate()).cert;
    expect((await t.client.put('/files/fw/v3.bin', image, 'application/octet-stream')).status).to.equal(200);
    etag = String((await t.client.send('/files/fw/v3.bin', { method: 'HEAD' })).headers.etag);
  });
  after(() => t.stop());

  describe('headers and validators', () => {
    it('HEAD and GET carry Content-Length, Accept-Ranges, a strong SHA-256 ETag, Last-Modified and no-cache', async () => {
      for (const method of ['HEAD', 'GET']) {
        const res = await t.client.send('/files/fw/v3.bin', { method });
        expect(res.status).to.equal(200);
        expect(res.headers).to.include({
          'content-length': String(size),
          'accept-ranges': 'bytes',
          'cache-control': 'no-cache',
          'content-type': 'application/octet-stream',
        });
        expect(res.headers.etag).to.match(/^"[0-9a-f]{64}"$/);
        expect(Date.parse(String(res.headers['last-modified']))).to.satisfy(Number.isFinite);
        expect(res.body.length).to.equal(method === 'HEAD' ? 0 : size);
      }
      const listed = JSON.parse((await t.client.get('/api/v1/files/fw/v3.bin')).text) as { sha256: string };
      expect(etag).to.equal(`"${listed.sha256}"`);
    });

    it('If-None-Match with the current ETag answers 304 without a body; another ETag gets the file', async () => {
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await t.client.get('/files/fw/v3.bin', { headers: { 'If-None-Match': header } });
        expect(res.status, header).to.equal(304);
        expect(res.body.length).to.equal(0);
        expect(res.headers.etag).to.equal(etag);
      }
      expect((await t.client.get('/files/fw/v3.bin', { headers: { 'If-None-Match': '"stale"' } })).status).to.equal(
        200,
      );
    });
  });

  describe('downloads by the device adapter', () => {
    // A percent-escape in the path (here of the dot) decodes to the same update path.
    const routedPath = '/files/fw/v3%2Ebin';
    const comparable = (headers: Record<string, unknown>) => {
      const { date: _date, connection: _connection, 'keep-alive': _keepAlive, 'x-request-id': _id, ...rest } = headers;
      return rest;
    };

    it('answers every kind of GET with the same status, headers and bytes for an escaped path and a query', async () => {
      const cases: Array<Record<string, string>> = [
        {},
        { Range: 'bytes=100-199' },
        { Range: `bytes=${size - 10}-${size + 5}` },
        { Range: 'bytes=-64' },
        { Range: 'bytes=0-0,5-9' },
        { Range: `bytes=${size}-` },
        { Range: 'bytes=100-199', 'If-Range': '"stale"' },
        { Range: 'bytes=100-199', 'If-Range': etag },
        { 'If-None-Match': etag },
        { 'If-None-Match': '"stale"' },
      ];
      for (const headers of cases) {
        const label = JSON.stringify(headers);
        const fast = await t.client.get('/files/fw/v3.bin?from=device', { headers });
        const routed = await t.client.get(routedPath, { headers });
        expect(fast.status, label).to.equal(routed.status);
        expect(comparable(fast.headers), label).to.deep.equal(comparable(routed.headers));
        expect(fast.body.equals(routed.body), label).to.equal(true);
        expect(fast.headers['x-request-id'], label).to.be.a('string');
      }
    });

    it('records a download in the log and the metrics, with the path as sent', async () => {
      const served206 = async () => {
        const text = (await t.client.get('/metrics')).text;
        const line = text
          .split('\n')
          .find(
            (candidate) =>
              /^fuota_http_requests_total\{/.test(candidate) &&
              candidate.includes('route="/files/*path"') &&
              candidate.includes('status="206"'),
          );
        return Number(line?.split(' ').pop() ?? 0);
      };
      const before = await served206();
      t.logger.lines.length = 0;
      await t.client.get('/files/fw/v3.bin', { headers: { Range: 'bytes=0-999', 'X-Request-Id': 'fast-1' } });
      await t.client.get(routedPath, { headers: { Range: 'bytes=0-999', 'X-Request-Id': 'routed-1' } });
      // A request's line is made shortly after its answer (see FinishedRequests).
      await eventually(
        async () =>
          ['fast-1', 'routed-1'].every((id) => t.logger.lines.some((line) => line.includes(`"reqId":"${id}"`))),
        'both lines',
      );
      const logged = (id: string) => {
        const line = t.logger.lines.find((candidate) => candidate.includes(`"reqId":"${id}"`));
        return JSON.parse(line?.replace(/^info request /, '') ?? '{}') as Record<string, unknown>;
      };
      expect(logged('fast-1')).to.include({
        method: 'GET',
        path: '/files/fw/v3.bin',
        status: 206,
        bytes: 1000,
        remote: '127.0.0.1',
      });
      expect(logged('fast-1')).to.not.have.property('outcome');
      expect(logged('routed-1')).to.include({
        method: 'GET',
        path: routedPath,
        status: 206,
        bytes: 1000,
        remote: '127.0.0.1',
      });
      expect(await served206()).to.equal(before + 2);
    });

    it('sends pipelined downloads on one connection whole and in order, to a client slow to read', async () => {
      // Node holds the answer to a pipelined request until the one before it is done, and a
      // client that does not read leaves the sender waiting for 'drain': every answer must still
      // arrive whole, in order, from buffers that the downloads before it used too.
      const file = randomBytes(8 * 1024 * 1024); // more than loopback socket buffers take at once
      expect(
        (await t.client.put('/files/big/pipelined.bin?validate=false', file, 'application/octet-stream')).status,
      ).to.equal(200);
      const socket = await openRawTls(t.server.address.port, testCa);
      const auth = basicHeader(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password);
      const ask = (extra: string) =>
        `GET /files/big/pipelined.bin HTTP/1.1\r\nHost: localhost\r\n${auth}\r\n${extra}\r\n`;
      socket.pause();
      socket.write(
        ask('') + ask('Range: bytes=1000-3000999\r\n') + ask('') + ask('Range: bytes=-5\r\nConnection: close\r\n'),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const received = readResponse(socket, undefined, 20_000);
      socket.resume();
      const raw = Buffer.from(await received, 'latin1');
      const answers: Array<{ status: string; body: Buffer }> = [];
      for (let at = 0; at < raw.length;) {
        const headEnd = raw.indexOf('\r\n\r\n', at);
        const head = raw.subarray(at, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
        answers.push({ status: head.split(' ')[1] ?? '', body: raw.subarray(headEnd + 4, headEnd + 4 + length) });
        at = headEnd + 4 + length;
      }
      expect(answers.map((answer) => answer.status)).to.deep.equal(['200', '206', '200', '206']);
      expect(answers[0]?.body.equals(file), 'first whole file').to.equal(true);
      expect(answers[1]?.body.equals(file.subarray(1000, 3_001_000)), 'range').to.equal(true);
      expect(answers[2]?.body.equals(file), 'second whole file').to.equal(true);
      expect(answers[3]?.body.equals(file.subarray(file.length - 5)), 'suffix').to.equal(true);
    });

    it('stops reading and frees the file when the client goes away midway, and logs the download as aborted', async function () {
      if (!existsSync('/proc/self/fd')) this.skip(); // open descriptors are read from /proc (Linux)
      const big = randomBytes(24 * 1024 * 1024); // more than loopback socket buffers can hold
      expect(
        (await t.client.put('/files/big/blob.bin?validate=false', big, 'application/octet-stream')).status,
      ).to.equal(200);
      const openOnBlob = () =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).endsWith('/big/blob.bin');
          } catch {
            return false; // closed while listed
          }
        }).length;
      // What the store is asked to read, to see whether the server read on after the client left
      // (the kernel's socket buffers alone can take megabytes, so the descriptor is not enough).
      let bytesRead = 0;
      let releases = 0;
      const store = t.storage.files as { open: BlobStore['open'] };
      const open = store.open.bind(store);
      store.open = async (path) => {
        const blob = await open(path);
        if (blob === undefined) return undefined;
        return {
          ...blob,
          read: async (target, position) => {
            const count = await blob.read(target, position);
            bytesRead += count;
            return count;
          },
          release: async () => {
            releases += 1;
            await blob.release();
          },
        };
      };
      t.logger.lines.length = 0;
      const received = await new Promise<number>((resolve, reject) => {
        const url = new URL(t.client.baseUrl);
        const auth = Buffer.from(`${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`).toString('base64');
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/files/big/blob.bin',
            ca: testCa,
            servername: 'localhost',
            agent: false,
            headers: { Authorization: `Basic ${auth}`, 'X-Request-Id': 'cut-1' },
          },
          (res) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes >= 64 * 1024 && !req.destroyed) {
                expect(openOnBlob()).to.equal(1);
                req.destroy();
                resolve(bytes);
              }
            });
          },
        );
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
        req.end();
      });
      expect(received).to.be.below(big.length);
      const deadline = Date.now() + 5000;
      while (
        (openOnBlob() > 0 || !t.logger.lines.some((line) => line.includes('"reqId":"cut-1"'))) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      delete (store as { open?: unknown }).open;
      expect(openOnBlob(), 'descriptors still open on the file').to.equal(0);
      expect(releases).to.equal(1);
      expect(bytesRead, 'read to its end after the client left').to.be.above(0).and.below(big.length);
      const line = t.logger.lines.find((candidate) => candidate.includes('"reqId":"cut-1"')) ?? '';
      const logged = JSON.parse(line.replace(/^info request /, '')) as {
        status: number;
        bytes: number;
        outcome?: string;
      };
      expect(logged).to.include({ status: 200, outcome: 'aborted' });
      expect(logged.bytes).to.be.above(0).and.below(big.length);
    });
  });

  describe('ranges', () => {
    const get = (range: string, headers: Record<string, string> = {}) =>
      t.client.get('/files/fw/v3.bin', { headers: { Range: range, ...headers } });

    it('answers bytes=a-b, bytes=a- and bytes=-n with 206, exactly those bytes and Content-Range', async () => {
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=0-65535', 0, 65535],
        ['bytes=1000-1999', 1000, 1999],
        [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
        ['bytes=70000-', 70000, size - 1],
        ['bytes=-100', size - 100, size - 1],
        [`bytes=-${size + 50}`, 0, size - 1],
        [' bytes = 5-9 ', 5, 9],
      ];
      for (const [range, start, end] of cases) {
        const res = await get(range);
        expect(res.status, range).to.equal(206);
        expect(res.headers['content-range'], range).to.equal(`bytes ${start}-${end}/${size}`);
        expect(res.headers['content-length'], range).to.equal(String(end - start + 1));
        expect(res.body.equals(image.subarray(start, end + 1)), range).to.equal(true);
      }
    });

    it('clamps an end past the last byte (ESP-IDF asks for one byte beyond it)', async () => {
      for (const range of [`bytes=${size - 10}-${size}`, `bytes=${size - 10}-${size + 1000}`]) {
        const res = await get(range);
        expect(res.status).to.equal(206);
        expect(res.headers['content-range']).to.equal(`bytes ${size - 10}-${size - 1}/${size}`);
        expect(res.body.equals(image.subarray(size - 10))).to.equal(true);
      }
    });

    it('answers an unsatisfiable range with 416 and Content-Range: bytes */size', async () => {
      for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
        const res = await get(range);
        expect(res.status, range).to.equal(416);
        expect(res.headers['content-range'], range).to.equal(`bytes */${size}`);
      }
    });

    it('answers multi-range, malformed and other-unit requests with the whole file, never wrong bytes', async () => {
      for (const range of ['bytes=0-9,20-29', 'bytes=abc', 'bytes=10-5', 'items=0-5', 'bytes=', 'bytes=-']) {
        const res = await get(range);
        expect(res.status, range).to.equal(200);
        expect(res.body.equals(image), range).to.equal(true);
      }
    });

    it('honours If-Range only for the current ETag or Last-Modified; otherwise sends the whole file', async () => {
      const lastModified = String(
        (await t.client.send('/files/fw/v3.bin', { method: 'HEAD' })).headers['last-modified'],
      );
      expect((await get('bytes=10-19', { 'If-Range': etag })).status).to.equal(206);
      expect((await get('bytes=10-19', { 'If-Range': lastModified })).status).to.equal(206);
      for (const stale of ['"0000"', `W/${etag}`, 'Mon, 01 Jan 2001 00:00:00 GMT', 'not a date']) {
        const res = await get('bytes=10-19', { 'If-Range': stale });
        expect(res.status, stale).to.equal(200);
        expect(res.body.equals(image)).to.equal(true);
      }
    });

    it('answers HEAD with a range like the GET, without a body', async () => {
      const res = await t.client.send('/files/fw/v3.bin', { method: 'HEAD', headers: { Range: 'bytes=0-0' } });
      expect(res.status).to.equal(206);
      expect(res.headers['content-range']).to.equal(`bytes 0-0/${size}`);
      expect(res.body.length).to.equal(0);
    });
  });

  describe('esp_https_ota, replayed request for request (a new TLS connection each)', () => {
    let ota: EspHttpsOtaEmulator;
    before(async () => {
      ota = new EspHttpsOtaEmulator(t.server.address.port, (await testCertificate()).cert, TEST_CREDENTIAL);
    });

    it('normal mode: one GET', async () => {
      expect((await ota.normal('/files/fw/v3.bin')).equals(image)).to.equal(true);
    });

    for (const chunk of [64 * 1024, 4 * 1024]) {
      it(`partial download, ${chunk / 1024} KiB chunks: HEAD then ranges, the last ending one past the file`, async () => {
        const { image: assembled, requests } = await ota.partial('/files/fw/v3.bin', chunk);
        expect(assembled.equals(image)).to.equal(true);
        expect(requests).to.equal(1 + Math.ceil(size / chunk));
      });
    }

    it('IDF 6 partial download without HEAD: bytes=0-0 for the size, then ranges', async () => {
      const { image: assembled } = await ota.idf6Partial('/files/fw/v3.bin', 64 * 1024);
      expect(assembled.equals(image)).to.equal(true);
    });

    it('resumption after the connection is cut at random offsets: bytes=N-', async () => {
      const random = prng(20261126);
      for (let round = 0; round < 5; round += 1) {
        const cutAt = 1 + Math.floor(random() * (size - 2));
        expect((await ota.resume('/files/fw/v3.bin', cutAt)).equals(image), `cut at ${cutAt}`).to.equal(true);
      }
    });
  });
});
