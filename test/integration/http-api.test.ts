import { expect } from 'chai';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL } from '../support/test-server.js';

const CSV = 'text/csv';
const BIN = 'application/octet-stream';

/**
 * Every row of design.md section 3, over real HTTPS, on both storage kinds, with image validation
 * off (FUOTA_VALIDATE_IMAGES=false) as the seed stored any bytes; validation has its own suite.
 */
for (const storage of ['memory', 'disk'] as const) {
  describe(`HTTP API, seed contract (${storage} storage)`, () => {
    let t: RunningTestServer;
    before(async () => {
      t = await startTestServer({ storage, validateImages: false });
    });
    after(() => t.stop());

    const firmware = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));

    describe('authentication', () => {
      it('answers 403 with a Basic challenge and a problem body to missing or wrong credentials', async () => {
        for (const auth of [
          null,
          { username: TEST_CREDENTIAL.username, password: 'wrong' },
          { username: 'x', password: TEST_CREDENTIAL.password },
        ]) {
          for (const path of ['/devices', '/devices/d1?app_ver=1', '/files/a.bin', '/nowhere']) {
            const res = await t.client.get(path, { auth });
            expect(res.status, `${path} ${JSON.stringify(auth)}`).to.equal(403);
            expect(res.headers['www-authenticate']).to.equal('Basic realm="fuota"');
            expect(res.headers['content-type']).to.equal('application/problem+json');
            expect(JSON.parse(res.text)).to.include({ status: 403, code: 'unauthenticated' });
          }
        }
      });

      it('refuses malformed Authorization headers with 403', async () => {
        for (const header of [
          'Bearer abc',
          'Basic',
          'Basic !!!',
          `Basic ${Buffer.from('nocolon').toString('base64')}`,
        ]) {
          const res = await t.client.get('/devices', { auth: null, headers: { Authorization: header } });
          expect(res.status, header).to.equal(403);
        }
      });

      it('refuses an upload without credentials and stores nothing', async () => {
        const res = await t.client.put('/files/unauth.bin', firmware, BIN, { auth: null });
        expect(res.status).to.equal(403);
        expect((await t.client.get('/files/unauth.bin')).status).to.equal(404);
      });
    });

    describe('the update flow', () => {
      it('PUT /files/<path> stores the file (200) and GET returns exactly its bytes', async () => {
        const put = await t.client.put('/files/fw/app-2.0.bin', firmware, BIN);
        expect(put.status).to.equal(200);
        expect(JSON.parse(put.text)).to.include({ path: 'fw/app-2.0.bin', size: firmware.length });
        const get = await t.client.get('/files/fw/app-2.0.bin');
        expect(get.status).to.equal(200);
        expect(get.headers['content-type']).to.equal(BIN);
        expect(get.headers['content-length']).to.equal(String(firmware.length));
        expect(get.body.equals(firmware)).to.equal(true);
      });

      it('HEAD /files/<path> gives the length without a body', async () => {
        const head = await t.client.send('/files/fw/app-2.0.bin', { method: 'HEAD' });
        expect(head.status).to.equal(200);
        expect(head.headers['content-length']).to.equal(String(firmware.length));
        expect(head.body.length).to.equal(0);
      });

      it("PUT /devices/<id> stores the row (200) for the seed's CSV record", async () => {
        const res = await t.client.put('/devices/AA:BB:CC:DD:EE:FF', '"AA:BB:CC:DD:EE:FF","1.0","fw/app-2.0.bin"', CSV);
        expect(res.status).to.equal(200);
      });

      it('GET /devices/<id>?app_ver=<row version> answers 200 with the bare path, bare text/csv, exact length', async () => {
        const res = await t.client.get('/devices/AA:BB:CC:DD:EE:FF?app_ver=1.0');
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.equal('text/csv');
        expect(res.headers['content-length']).to.equal(String(Buffer.byteLength('fw/app-2.0.bin')));
        expect(res.text).to.equal('fw/app-2.0.bin');
        expect(res.headers['transfer-encoding']).to.equal(undefined);
      });

      it('answers 204 with no body when the device runs another version', async () => {
        for (const version of ['2.0', '1.0 ', '1.00', 'v1.0']) {
          const res = await t.client.get(`/devices/AA:BB:CC:DD:EE:FF?app_ver=${encodeURIComponent(version)}`);
          expect(res.status, version).to.equal(204);
          expect(res.body.length).to.equal(0);
        }
      });

      it('answers a check the same way on the fast path (GET) and through the Koa routes (HEAD, encoded id)', async () => {
        const comparable = (headers: Record<string, unknown>) => {
          const {
            date: _date,
            connection: _connection,
            'keep-alive': _keepAlive,
            'x-request-id': _id,
            ...rest
          } = headers;
          return rest;
        };
        for (const version of ['1.0', '2.0']) {
          const fast = await t.client.get(`/devices/AA:BB:CC:DD:EE:FF?app_ver=${version}`);
          const routed = await t.client.send(`/devices/AA:BB:CC:DD:EE:FF?app_ver=${version}`, { method: 'HEAD' });
          const encoded = await t.client.get(`/devices/AA%3ABB%3ACC%3ADD%3AEE%3AFF?app_ver=${version}&other=x`);
          expect(routed.status, version).to.equal(fast.status);
          expect(comparable(routed.headers), version).to.deep.equal(comparable(fast.headers));
          expect(encoded.status, version).to.equal(fast.status);
          expect(encoded.text, version).to.equal(fast.text);
        }
      });

      it('matches a version holding a % that starts no escape, sent unescaped, as the seed did', async () => {
        // Found by a new user: the row was stored, but its device's check was refused (400).
        expect((await t.client.put('/devices/pct', '"pct","100%","fw/app-2.0.bin"', CSV)).status).to.equal(200);
        const res = await t.client.get('/devices/pct?app_ver=100%');
        expect([res.status, res.text]).to.deep.equal([200, 'fw/app-2.0.bin']);
        expect((await t.client.get('/devices/pct?app_ver=100%25')).status).to.equal(200);
        expect((await t.client.delete('/devices/pct')).status).to.be.oneOf([200, 204]);
      });

      it('answers 404 for an unknown device and for a row whose file is missing', async () => {
        expect((await t.client.get('/devices/unknown?app_ver=1.0')).status).to.equal(404);
        await t.client.put('/devices/dev2', '"dev2","1.0","fw/not-uploaded.bin"', CSV);
        const missing = await t.client.get('/devices/dev2?app_ver=1.0');
        expect(missing.status).to.equal(404);
        expect(JSON.parse(missing.text)).to.include({ code: 'update-file-missing' });
        expect((await t.client.get('/devices/dev2?app_ver=0.9')).status).to.equal(204);
      });

      it('answers 400 when app_ver is missing, empty, repeated or invalid, or the id is malformed', async () => {
        const bad = [
          '/devices/AA:BB:CC:DD:EE:FF',
          '/devices/AA:BB:CC:DD:EE:FF?',
          '/devices/AA:BB:CC:DD:EE:FF?app_ver=',
          '/devices/AA:BB:CC:DD:EE:FF?app_ver=1.0&app_ver=1.0',
          '/devices/AA:BB:CC:DD:EE:FF?version=1.0',
          `/devices/AA:BB:CC:DD:EE:FF?app_ver=${'9'.repeat(32)}`,
          '/devices/AA:BB:CC:DD:EE:FF?app_ver=%FF',
          `/devices/${'d'.repeat(65)}?app_ver=1.0`,
          '/devices/bad%20id?app_ver=1.0',
          '/devices/%22%3B%20DROP%20TABLE%20device_app?app_ver=1.0',
        ];
        for (const path of bad) {
          const res = await t.client.get(path);
          expect(res.status, path).to.equal(400);
          expect(res.headers['content-type']).to.equal('application/problem+json');
        }
      });

      it('GET /devices lists every row as seed CSV, sorted by device id', async () => {
        await t.client.put('/devices/0-first', '"0-first","3","x.bin"', CSV);
        const res = await t.client.get('/devices');
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.equal('text/csv');
        expect(res.text).to.equal(
          '"0-first","3","x.bin"\n"AA:BB:CC:DD:EE:FF","1.0","fw/app-2.0.bin"\n"dev2","1.0","fw/not-uploaded.bin"\n',
        );
      });

      it('PUT /devices/<id> replaces an existing row', async () => {
        expect((await t.client.put('/devices/dev2', '"dev2","1.1","fw/app-2.0.bin"\n', CSV)).status).to.equal(200);
        expect((await t.client.get('/devices/dev2?app_ver=1.1')).text).to.equal('fw/app-2.0.bin');
        expect((await t.client.get('/devices/dev2?app_ver=1.0')).status).to.equal(204);
      });

      it("DELETE /devices/<id> answers 200, then 404 once it is gone, even with the seed's Content-Type", async () => {
        const res = await t.client.delete('/devices/dev2', { headers: { 'Content-Type': CSV } });
        expect(res.status).to.equal(200);
        expect((await t.client.delete('/devices/dev2', { headers: { 'Content-Type': CSV } })).status).to.equal(404);
        expect((await t.client.get('/devices/dev2?app_ver=1.1')).status).to.equal(404);
        expect((await t.client.get('/devices')).text).to.not.include('dev2');
      });

      it('an empty fleet lists as an empty body', async () => {
        await t.client.delete('/devices/0-first');
        await t.client.delete('/devices/AA:BB:CC:DD:EE:FF');
        const res = await t.client.get('/devices');
        expect([res.status, res.text]).to.deep.equal([200, '']);
      });
    });

    describe('malformed writes', () => {
      it('PUT /devices/<id> answers 400 for bodies that are not one 3-field record or hold invalid fields', async () => {
        const bodies = [
          '',
          '"d1","1.0"',
          '"d1","1.0","a.bin","extra"',
          '"d1","1.0","a.bin"\n"d1","2.0","b.bin"',
          '"d1,"1.0","a.bin"',
          '"d1","","a.bin"',
          '"d1","1.0","../../etc/passwd"',
          '"d1","1.0","/abs.bin"',
          '"d1","1.0",".hidden"',
          '"other","1.0","a.bin"',
        ];
        for (const body of bodies) {
          const res = await t.client.put('/devices/d1', body, CSV);
          expect(res.status, JSON.stringify(body)).to.equal(400);
          expect(res.headers['content-type']).to.equal('application/problem+json');
        }
        expect((await t.client.put('/devices/bad%20id', '"bad id","1","a.bin"', CSV)).status).to.equal(400);
        expect((await t.client.get('/devices')).text).to.equal('');
      });

      it('PUT /devices/<id> answers 413 for a huge body and 415 for a non-text one', async () => {
        expect((await t.client.put('/devices/d1', `"d1","1","${'a'.repeat(20_000)}"`, CSV)).status).to.equal(413);
        expect((await t.client.put('/devices/d1', '{"a":1}', 'application/json')).status).to.equal(415);
      });

      it('PUT /files answers 400 for malformed paths and stores nothing', async () => {
        for (const path of [
          '/files/.hidden',
          '/files/a/../b',
          '/files/%2e%2e/devices.db',
          '/files/a%5Cb',
          '/files/a%00b',
          '/files/a//b',
          '/files/%C3%A9.bin',
          '/files/a%2',
          `/files/${'a'.repeat(201)}`,
        ]) {
          const res = await t.client.put(path, 'data', BIN);
          expect([400, 404], path).to.include(res.status);
        }
        const encodedSlash = await t.client.put('/files/x%2F..%2Fy', 'data', BIN);
        expect(encodedSlash.status).to.equal(400);
      });
    });

    describe('files', () => {
      it('GET /files answers 404 for a file that does not exist and 400 for a malformed path', async () => {
        expect((await t.client.get('/files/none.bin')).status).to.equal(404);
        expect((await t.client.get('/files/.hidden')).status).to.equal(400);
        expect((await t.client.get('/files/%2e%2e/devices.db')).status).to.equal(400);
      });

      it('never serves the database, the TLS key or the credential', async () => {
        for (const path of [
          '/files/../devices.db',
          '/files/..%2Fdevices.db',
          '/files/%2E%2E%2Fdevices.db',
          '/files/../tls/key.pem',
          '/files/..%2f..%2fcredential.json',
          '/devices.db',
          '/files/devices.db',
        ]) {
          const res = await t.client.get(path);
          expect([400, 404], path).to.include(res.status);
          expect(res.text).to.not.include('SQLite format');
          expect(res.text).to.not.include('PRIVATE KEY');
        }
      });

      it('answers 413 for an upload past the limit, declared or streamed, keeping the old file', async () => {
        const small = await startTestServer({ storage, maxUploadBytes: 1000, validateImages: false });
        try {
          expect((await small.client.put('/files/a.bin', Buffer.alloc(1000, 1), BIN)).status).to.equal(200);
          const declared = await small.client.put('/files/a.bin', Buffer.alloc(1001, 2), BIN);
          expect(declared.status).to.equal(413);
          expect(JSON.parse(declared.text)).to.include({ code: 'payload-too-large' });
          const chunked = await small.client.send('/files/a.bin', {
            method: 'PUT',
            body: Buffer.alloc(5000, 3),
            headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': BIN },
          });
          expect(chunked.status).to.equal(413);
          const kept = await small.client.get('/files/a.bin');
          expect(kept.body.equals(Buffer.alloc(1000, 1))).to.equal(true);
        } finally {
          await small.stop();
        }
      });

      it('answers 409 when a path clashes with an existing file or directory', async () => {
        // Both stores: a file cannot also be a directory, whichever was stored first.
        await t.client.put('/files/clash', 'x', BIN);
        const below = await t.client.put('/files/clash/inner.bin', 'y', BIN);
        expect(below.status).to.equal(409);
        expect(JSON.parse(below.text)).to.include({ code: 'file-path-conflict' });
        await t.client.put('/files/tree/leaf.bin', 'z', BIN);
        const above = await t.client.put('/files/tree', 'w', BIN);
        expect(above.status).to.equal(409);
        expect(JSON.parse(above.text)).to.include({ code: 'file-path-conflict' });
        expect((await t.client.get('/files/clash')).text).to.equal('x');
      });
    });

    describe('unknown routes and methods', () => {
      it('answers 404 for an unknown route', async () => {
        for (const path of ['/', '/device', '/devices/a/b', '/files', '/api']) {
          const res = await t.client.get(path);
          expect(res.status, path).to.equal(404);
          expect(res.headers['content-type']).to.equal('application/problem+json');
        }
      });

      it('answers 405 with Allow for a wrong method on a known route', async () => {
        const cases: Array<[string, string, string[]]> = [
          ['POST', '/devices', ['GET', 'HEAD']],
          ['DELETE', '/devices', ['GET', 'HEAD']],
          ['POST', '/devices/d1', ['GET', 'HEAD', 'PUT', 'DELETE']],
          ['PATCH', '/files/a.bin', ['GET', 'HEAD', 'PUT', 'DELETE']],
          ['PROPFIND', '/devices', ['GET', 'HEAD']],
        ];
        for (const [method, path, allowed] of cases) {
          const res = await t.client.send(path, { method });
          expect(res.status, `${method} ${path}`).to.equal(405);
          const allow = String(res.headers.allow).split(', ').sort();
          expect(allow, `${method} ${path}`).to.deep.equal([...allowed].sort());
          expect(JSON.parse(res.text)).to.include({ status: 405, code: 'method-not-allowed' });
        }
      });
    });
  });
}
