import { connect as connectTcp } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { basicHeader, openRawTls, readResponse } from '../support/raw-tls.js';
import type { RunningTestServer } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { eventually } from '../support/eventually.js';

const run = promisify(execFile);
const AUTH = basicHeader(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password);

/** The rules of design.md section 4, shown over raw TLS where a friendly client would hide them. */
describe('HTTP robustness (design.md section 4)', () => {
  let t: RunningTestServer;
  let ca: string;
  before(async () => {
    t = await startTestServer({ storage: 'disk', maxUploadBytes: 4 * 1024 * 1024, validateImages: false });
    ca = (await testCertificate()).cert;
    await t.client.put('/files/fw.bin', Buffer.alloc(2048, 7), 'application/octet-stream');
    await t.client.put('/devices/dev1', '"dev1","1.0","fw.bin"', 'text/csv');
  });
  after(() => t.stop());

  const port = () => t.server.address.port;

  it("answers the ESP32 client's exact check request (HTTP/1.1, Content-Length: 0 on a GET, no keep-alive)", async () => {
    const socket = await openRawTls(port(), ca);
    socket.write(
      'GET /devices/dev1?app_ver=1.0 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ESP32 HTTP Client/1.0\r\n' +
        `${AUTH}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).to.match(/\r\nContent-Type: text\/csv\r\n/);
    expect(answer).to.match(/\r\nContent-Length: 6\r\n/);
    expect(answer.endsWith('\r\n\r\nfw.bin')).to.equal(true);
  });

  it('serves HTTP/1.0 clients, closing after the answer, and keeps HTTP/1.0 keep-alive when asked', async () => {
    const socket = await openRawTls(port(), ca);
    socket.write(`GET /devices/dev1?app_ver=1.0 HTTP/1.0\r\n${AUTH}\r\n\r\n`);
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('fw.bin')).to.equal(true);

    const kept = await openRawTls(port(), ca);
    kept.write(`GET /devices/dev1?app_ver=1.0 HTTP/1.0\r\n${AUTH}\r\nConnection: keep-alive\r\n\r\n`);
    expect(await readResponse(kept, (text) => text.endsWith('fw.bin'))).to.match(/Connection: keep-alive/i);
    kept.write(`GET /devices/dev1?app_ver=2.0 HTTP/1.0\r\n${AUTH}\r\n\r\n`);
    expect(await readResponse(kept)).to.match(/^HTTP\/1\.1 204 No Content\r\n/);
  });

  it('serves several requests on one HTTP/1.1 keep-alive connection', async () => {
    const socket = await openRawTls(port(), ca);
    for (const version of ['1.0', '2.0', '1.0']) {
      socket.write(`GET /devices/dev1?app_ver=${version} HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n\r\n`);
      const answer = await readResponse(
        socket,
        (text) => /\r\n\r\n(fw\.bin)?$/.test(text) && (text.includes(' 204 ') || text.endsWith('fw.bin')),
      );
      expect(answer).to.match(version === '1.0' ? /^HTTP\/1\.1 200 / : /^HTTP\/1\.1 204 /);
    }
    socket.end();
  });

  it('answers Expect: 100-continue with 100 and then stores the body', async () => {
    const body = Buffer.alloc(1024 * 1024 + 10, 9);
    const socket = await openRawTls(port(), ca);
    socket.write(
      `PUT /files/continued.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(await readResponse(socket, (text) => text.includes('\r\n\r\n'))).to.match(
      /^HTTP\/1\.1 100 Continue\r\n\r\n$/,
    );
    socket.write(body);
    expect(await readResponse(socket, (text) => text.includes('}'))).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    socket.end();
    expect((await t.client.get('/files/continued.bin')).body.equals(body)).to.equal(true);
  });

  it('answers Expect: 100-continue with a wrong password with 403 straight away, without inviting the body', async () => {
    // Found by a new user: the 100 came before the credential was checked, and curl sent it all.
    const wrong = `Authorization: Basic ${Buffer.from('operator:wrong').toString('base64')}`;
    const socket = await openRawTls(port(), ca);
    socket.write(
      `PUT /files/refused.bin HTTP/1.1\r\nHost: x\r\n${wrong}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: 3000000\r\nExpect: 100-continue\r\n\r\n`,
    );
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).to.not.include('100 Continue');
    socket.destroy();
  });

  it('answers Expect: 100-continue for a too-large upload with 413 straight away, without inviting the body', async () => {
    const socket = await openRawTls(port(), ca);
    socket.write(
      `PUT /files/huge.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: ${64 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    );
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(answer).to.not.include('100 Continue');
    expect(answer).to.match(/Connection: close/i);
  });

  it('answers Expect: 100-continue for an upload to a path it refuses with that 400 straight away, without inviting the body', async () => {
    // Found by a new user of the CLI: invited after authentication alone, the client was sending
    // its body when the 400 came, and saw a broken pipe instead of the answer.
    const socket = await openRawTls(port(), ca);
    socket.write(
      `PUT /files/bad%20name.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: application/octet-stream\r\n` +
        `Content-Length: 3000000\r\nExpect: 100-continue\r\n\r\n`,
    );
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).to.include('invalid-file-path');
    expect(answer).to.not.include('100 Continue');
    expect(answer).to.match(/Connection: close/i);
    socket.destroy();
  });

  it('publishes nothing when an upload is cut off midway, keeping the previous version', async () => {
    const before = (await t.client.get('/files/fw.bin')).body;
    const socket = await openRawTls(port(), ca);
    socket.write(
      `PUT /files/fw.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`,
    );
    socket.write(Buffer.alloc(30_000, 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await eventually(
      () => t.logger.lines.some((line) => line.includes('"path":"/files/fw.bin"') && line.includes('"method":"PUT"')),
      'the cut upload is logged',
    );
    const after = await t.client.get('/files/fw.bin');
    expect(after.status).to.equal(200);
    expect(after.body.equals(before)).to.equal(true);
    const socket2 = await openRawTls(port(), ca);
    socket2.write(
      `PUT /files/new-cut.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`,
    );
    // Handed to the kernel before the connection is cut (destroy() drops what is still queued).
    await new Promise((resolve) => socket2.write(Buffer.alloc(10, 1), resolve));
    socket2.destroy();
    await eventually(
      () => t.logger.lines.some((line) => line.includes('"path":"/files/new-cut.bin"')),
      'the second cut upload is logged',
    );
    expect((await t.client.get('/files/new-cut.bin')).status).to.equal(404);
  });

  it('keeps answering checks while idle clients hold connections open (raw TCP, stalled TLS, half a request)', async () => {
    const idleTcp = connectTcp(port(), '127.0.0.1');
    const stalledHandshake = connectTcp(port(), '127.0.0.1', () =>
      stalledHandshake.write(Buffer.from([0x16, 0x03, 0x01])),
    );
    const halfRequest = await openRawTls(port(), ca);
    halfRequest.write('GET /devices/dev1?app_ver=1.0 HTTP/1.1\r\nHost: x\r\n');
    const idleKeepAlive = await openRawTls(port(), ca);
    try {
      for (let i = 0; i < 5; i += 1) {
        const res = await t.client.get('/devices/dev1?app_ver=1.0');
        expect(res.status).to.equal(200);
      }
    } finally {
      for (const socket of [idleTcp, stalledHandshake, halfRequest, idleKeepAlive]) socket.destroy();
    }
  });

  it('answers a request line it cannot parse with 400, never a dropped connection', async () => {
    const socket = await openRawTls(port(), ca);
    socket.write('THIS IS NOT HTTP\r\n\r\n');
    expect(await readResponse(socket)).to.match(/^HTTP\/1\.1 400 /);
    // With a body behind it, the answer still arrives before the connection is cut.
    const withBody = await openRawTls(port(), ca);
    withBody.on('error', () => {});
    withBody.write(`_ /devices HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(1000)}`);
    expect(await readResponse(withBody)).to.match(/^HTTP\/1\.1 400 /);
  });

  it("answers what Node's parser refuses, and CONNECT, with a problem body as every refusal has (they had none, or no answer)", async () => {
    const answerTo = async (request: string) => {
      const socket = await openRawTls(port(), ca);
      socket.on('error', () => {});
      socket.write(request);
      const text = await readResponse(socket);
      const [head = '', body = ''] = text.split('\r\n\r\n');
      expect(head).to.match(/\r\nContent-Type: application\/problem\+json\r\n/);
      expect(head).to.match(/\r\nConnection: close(\r\n|$)/);
      expect(head).to.include(`\r\nContent-Length: ${Buffer.byteLength(body)}`);
      return { head, problem: JSON.parse(body) as { status: number; code: string; detail: string } };
    };
    const malformed = await answerTo('THIS IS NOT HTTP\r\n\r\n');
    expect(malformed.head).to.match(/^HTTP\/1\.1 400 Bad Request/);
    expect(malformed.problem).to.include({ status: 400, code: 'bad-request' });
    const tooLarge = await answerTo(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(tooLarge.head).to.match(/^HTTP\/1\.1 431 /);
    expect(tooLarge.problem.detail).to.include('16 KiB');
    const connect = await answerTo('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(connect.head).to.match(/^HTTP\/1\.1 405 Method Not Allowed/);
    expect(connect.head).to.include('\r\nAllow: GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS\r\n');
    expect(connect.problem).to.include({ status: 405, code: 'method-not-allowed' });
  });

  it('logs one line per request with method, path without query, status, bytes and ms, and never a credential', async () => {
    await t.client.get('/devices/dev1?app_ver=1.0');
    await t.client.get('/devices', { auth: { username: 'intruder', password: 'hunter2-secret' } });
    const line = t.logger.lines.find(
      (entry) => entry.includes('"method":"GET","path":"/devices/dev1"') && entry.includes('"status":200'),
    );
    expect(line)
      .to.match(/"method":"GET"/)
      .and.match(/"bytes":6/)
      .and.match(/"ms":"\d+\.\d"/);
    const all = t.logger.lines.join('\n');
    expect(all).to.not.include('app_ver');
    for (const secret of [TEST_CREDENTIAL.password, 'hunter2-secret', AUTH.split(' ')[2] ?? 'x', 'Authorization']) {
      expect(all).to.not.include(secret);
    }
    const listing = t.logger.lines.find(
      (entry) => entry.includes('"path":"/files/fw.bin"') && entry.includes('"method":"GET"'),
    );
    expect(listing).to.match(/"bytes":2048/);
  });
  it('names the credential (its user name, never its secret) and how it authenticated in the log line', async () => {
    const provisioned = await t.client.send('/api/v1/devices/dev1/credentials', { method: 'POST' });
    const own = { username: 'dev1', password: (JSON.parse(provisioned.text) as { password: string }).password };
    const requests = [
      ['cred-fast', '/devices/dev1?app_ver=1.0', TEST_DEVICE_CREDENTIAL, { user: 'fleet-device', auth: 'credential' }],
      ['cred-own', '/files/fw.bin', own, { user: 'dev1', auth: 'device-credential' }],
      ['cred-koa', '/devices', TEST_CREDENTIAL, { user: 'operator', auth: 'credential' }],
      [
        'cred-wrong',
        '/devices/dev1?app_ver=1.0',
        { username: 'old-fleet', password: 'hunter3-secret' },
        { user: 'old-fleet', auth: 'refused' },
      ],
      ['cred-none', '/devices', null, { user: '', auth: 'refused' }],
    ] as const;
    for (const [id, path, auth, expected] of requests) {
      await t.client.get(path, { auth, headers: { 'X-Request-Id': id } });
      // A request's line is made shortly after its answer (see FinishedRequests).
      await eventually(async () => t.logger.lines.some((entry) => entry.includes(`"reqId":"${id}"`)), id);
      const line =
        t.logger.lines.find((entry) => entry.startsWith('info request ') && entry.includes(`"reqId":"${id}"`)) ?? '';
      expect(JSON.parse(line.slice('info request '.length)), id).to.include(expected);
    }
    const all = t.logger.lines.join('\n');
    for (const secret of [own.password, TEST_DEVICE_CREDENTIAL.password, 'hunter3-secret'])
      expect(all).to.not.include(secret);
  });
  it('answers plain HTTP sent to the HTTPS port with a plain-text 400 saying to use https://, then still speaks TLS', async () => {
    for (const request of [
      'GET /devices/dev1?app_ver=1.0 HTTP/1.1\r\nHost: localhost\r\n\r\n',
      `PUT /files/x.bin HTTP/1.1\r\nContent-Length: 70000\r\n\r\n${'x'.repeat(70_000)}`,
    ]) {
      const socket = connectTcp(port(), '127.0.0.1');
      socket.write(request);
      // The server closes right after its answer: a body still coming may see a reset after it.
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => {});
      });
      expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer).to.match(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
      expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).to.equal(
        'This port speaks HTTPS only: send the request to https:// instead of http://.\n',
      );
    }
    expect((await t.client.get('/devices/dev1?app_ver=1.0')).status).to.equal(200);
  });

  it('answers curl http:// on the HTTPS port with that 400', async function () {
    requireTool(this, 'curl', 'curl');
    const { stdout } = await run(
      'curl',
      ['--silent', '--include', `http://127.0.0.1:${port()}/devices/dev1?app_ver=1.0`],
      { encoding: 'utf8' },
    );
    expect(stdout)
      .to.match(/^HTTP\/1\.1 400 Bad Request\r\n/)
      .and.include('send the request to https://');
  });
});
