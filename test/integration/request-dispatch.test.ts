import { eventually } from '../support/eventually.js';
import { expect } from 'chai';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpsServer } from '../../src/adapters/inbound/http/https-server.js';
import type { DeviceRequestListener } from '../../src/adapters/inbound/http/request-dispatcher.js';
import { dispatchRequests } from '../../src/adapters/inbound/http/request-dispatcher.js';
import { HttpsTestClient } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';

/** Every request has one owner: the dispatcher picks the device or the operator adapter, once. */
describe('HTTP: one adapter per request', () => {
  describe('the dispatcher on the HTTPS server', () => {
    let server: HttpsServer;
    let client: HttpsTestClient;
    const seen: string[] = [];
    // Stand-ins for the two adapters: each answers with its name, and says what it was given.
    const device: DeviceRequestListener = (req, res, target) => answer('device', req, res, target.route.name);
    const operator: RequestListener = (req, res) => answer('operator', req, res, 'operator');
    function answer(adapter: string, req: IncomingMessage, res: ServerResponse, route: string): void {
      seen.push(`${adapter} ${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(200, { 'X-Adapter': adapter, 'X-Route': route });
      res.end();
    }

    before(async () => {
      const tls = await testCertificate();
      server = new HttpsServer(dispatchRequests(device, operator), {
        host: '127.0.0.1',
        port: 0,
        cert: tls.cert,
        key: tls.key,
        maxUploadBytes: 1024,
      });
      const { port } = await server.start();
      client = new HttpsTestClient(`https://localhost:${port}`, tls.cert, TEST_CREDENTIAL);
    });
    after(() => server.stop());

    const rows: Array<[string, string, string]> = [
      ['GET', '/devices/dev1?app_ver=1.0', 'device-check'],
      ['HEAD', '/devices/dev1?app_ver=1.0', 'device-check'],
      ['GET', '/devices/AA%3ABB%3ACC%3ADD%3AEE%3AFF?app_ver=1.0', 'device-check'],
      ['GET', '/devices/dev1/?app_ver=1.0', 'device-check'],
      ['GET', '/files/fw/app.bin', 'file-download'],
      ['HEAD', '/files/fw%2Fapp.bin', 'file-download'],
      ['GET', '/devices', 'operator'],
      ['GET', '/devices/', 'operator'],
      ['PUT', '/devices/dev1', 'operator'],
      ['DELETE', '/devices/dev1', 'operator'],
      ['POST', '/devices/dev1?app_ver=1.0', 'operator'],
      ['OPTIONS', '/files/fw/app.bin', 'operator'],
      ['PUT', '/files/fw/app.bin', 'operator'],
      ['DELETE', '/files/fw/app.bin', 'operator'],
      ['GET', '/files/', 'operator'],
      ['GET', '/api/v1/files', 'operator'],
      ['GET', '/metrics', 'operator'],
      ['GET', '/healthz', 'operator'],
      ['GET', '/api/v1/openapi.json', 'operator'],
    ];

    it('hands each dispatch row to its adapter, and to that one alone', async () => {
      for (const [method, path, route] of rows) {
        seen.length = 0;
        const res = await client.send(path, { method });
        const adapter = route === 'operator' ? 'operator' : 'device';
        expect([res.headers['x-adapter'], res.headers['x-route']], `${method} ${path}`).to.deep.equal([adapter, route]);
        expect(seen, `${method} ${path}`).to.deep.equal([`${adapter} ${method} ${path}`]);
      }
    });
  });

  describe('the device adapter answers every device request itself', () => {
    let t: RunningTestServer;
    let gets = 0;
    let opens = 0;
    let failNextGet = false;

    before(async () => {
      t = await startTestServer({ validateImages: false });
      // Count (and on demand fail) the storage calls of the two device use cases.
      const devices = t.storage.devices;
      const get = devices.get.bind(devices);
      devices.get = async (id) => {
        gets += 1;
        if (failNextGet) {
          failNextGet = false;
          throw new Error('the repository failed once');
        }
        return get(id);
      };
      const files = t.storage.files;
      const open = files.open.bind(files);
      files.open = async (path) => {
        opens += 1;
        return open(path);
      };
      expect(
        (await t.client.put('/files/fw/a.bin', Buffer.alloc(1000, 7), 'application/octet-stream')).status,
      ).to.equal(200);
      expect((await t.client.put('/devices/d1', '"d1","1.0","fw/a.bin"', 'text/csv')).status).to.equal(200);
      expect((await t.client.put('/devices/d2', '"d2","1.0","fw/missing.bin"', 'text/csv')).status).to.equal(200);
    });
    after(() => t.stop());

    it('runs the check once for an unknown device and for a row whose file is missing (404)', async () => {
      for (const [path, code] of [
        ['/devices/unknown?app_ver=1.0', 'device-not-found'],
        ['/devices/d2?app_ver=1.0', 'update-file-missing'],
      ] as const) {
        gets = 0;
        const res = await t.client.get(path);
        expect([res.status, JSON.parse(res.text).code], path).to.deep.equal([404, code]);
        expect(res.headers['content-type']).to.equal('application/problem+json');
        expect(gets, path).to.equal(1);
      }
    });

    it('opens a file once for a 304, a 416 and a missing file', async () => {
      const etag = String((await t.client.send('/files/fw/a.bin', { method: 'HEAD' })).headers.etag);
      const cases: Array<[string, Record<string, string>, number]> = [
        ['/files/fw/a.bin', { 'If-None-Match': etag }, 304],
        ['/files/fw/a.bin', { Range: 'bytes=5000-' }, 416],
        ['/files/fw/none.bin', {}, 404],
        ['/files/fw/a.bin', { Range: 'bytes=0-9' }, 206],
      ];
      for (const [path, headers, status] of cases) {
        opens = 0;
        const res = await t.client.get(path, { headers });
        expect(res.status, JSON.stringify(headers)).to.equal(status);
        expect(opens, JSON.stringify(headers)).to.equal(1);
      }
    });

    it('answers an unexpected failure with a 500 problem and logs it, without trying again elsewhere', async () => {
      t.logger.lines.length = 0;
      failNextGet = true;
      gets = 0;
      const res = await t.client.get('/devices/d1?app_ver=0.9', { headers: { 'X-Request-Id': 'fails-once' } });
      expect([res.status, JSON.parse(res.text).code]).to.deep.equal([500, 'internal-error']);
      expect(res.text).to.not.include('the repository failed once');
      expect(gets).to.equal(1);
      // A request's line is made shortly after its answer (see FinishedRequests).
      await eventually(
        async () =>
          t.logger.lines.some((line) => line.startsWith('info request') && line.includes('"reqId":"fails-once"')),
        'the request line',
      );
      const logged = t.logger.lines.filter((line) => line.includes('"reqId":"fails-once"'));
      expect(logged.some((line) => line.startsWith('error unexpected error'))).to.equal(true);
      expect(logged.some((line) => line.startsWith('info request') && line.includes('"status":500'))).to.equal(true);
    });

    it("lists the methods of both adapters in the operator adapter's 405 and OPTIONS", async () => {
      for (const path of ['/devices/d1?app_ver=1.0', '/files/fw/a.bin']) {
        const wrong = await t.client.send(path, { method: 'POST' });
        expect([wrong.status, wrong.headers.allow], path).to.deep.equal([405, 'GET, HEAD, PUT, DELETE']);
        expect(JSON.parse(wrong.text).detail).to.include('GET, HEAD, PUT, DELETE');
        const options = await t.client.send(path, { method: 'OPTIONS' });
        expect([options.status, options.headers.allow], path).to.deep.equal([200, 'GET, HEAD, PUT, DELETE']);
      }
    });
  });
});
