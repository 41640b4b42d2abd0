import { expect } from 'chai';
import { basicHeader, openRawTls, readResponse } from '../support/raw-tls.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';

const BIN = 'application/octet-stream';
const AUTH = basicHeader(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password);

/** The problem document of an answer. */
const problemOf = (text: string) => JSON.parse(text) as { status: number; code: string; detail: string };

/** One code per kind of problem, whichever route or layer finds it. */
describe('HTTP: one error code per kind of problem', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ maxUploadBytes: 64 * 1024, validateImages: false });
  });
  after(() => t.stop());

  it('answers every 413 with payload-too-large: device records, declared, streamed and 100-continue uploads', async () => {
    const record = await t.client.put('/devices/d1', `"d1","1","${'a'.repeat(20_000)}"`, 'text/csv');
    const declared = await t.client.put('/files/a.bin', Buffer.alloc(64 * 1024 + 1), BIN);
    const streamed = await t.client.send('/files/a.bin', {
      method: 'PUT',
      body: Buffer.alloc(100_000),
      headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': BIN },
    });
    for (const [name, res] of [
      ['record', record],
      ['declared', declared],
      ['streamed', streamed],
    ] as const) {
      expect(res.status, name).to.equal(413);
      expect(problemOf(res.text), name).to.include({ status: 413, code: 'payload-too-large' });
    }
    expect(problemOf(record.text).detail).to.equal('a device record is at most 16 KiB');
    const socket = await openRawTls(t.server.address.port, (await testCertificate()).cert);
    socket.write(
      `PUT /files/huge.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: ${BIN}\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n`,
    );
    const answer = await readResponse(socket);
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(problemOf(answer.slice(answer.indexOf('\r\n\r\n') + 4))).to.include({ code: 'payload-too-large' });
  });

  it('takes a device record as any text/*, the form type (curl --data) or application/octet-stream, and nothing else (415)', async () => {
    for (const type of [
      'text/csv',
      'text/plain',
      'text/csv; charset=utf-8',
      'application/x-www-form-urlencoded',
      BIN,
    ]) {
      const res = await t.client.put('/devices/d1', '"d1","1","a.bin"', type);
      expect(res.status, `${type}: ${res.text}`).to.equal(200);
    }
    for (const type of ['application/json', 'multipart/form-data; boundary=x', undefined]) {
      const res = await t.client.send('/devices/d1', {
        method: 'PUT',
        body: '"d1","1","a.bin"',
        headers: type === undefined ? {} : { 'Content-Type': type },
      });
      expect(res.status, String(type)).to.equal(415);
      expect(problemOf(res.text), String(type)).to.include({ code: 'unsupported-media-type' });
    }
    // A content encoding the body parser does not know is refused by it (415) with the same code;
    // a body that is not what its known encoding says is a 400, never a server fault.
    const record = '"d1","1","a.bin"';
    const unknown = await t.client.send('/devices/d1', {
      method: 'PUT',
      body: record,
      headers: { 'Content-Type': 'text/csv', 'Content-Encoding': 'x-lzma' },
    });
    expect([unknown.status, problemOf(unknown.text).code]).to.deep.equal([415, 'unsupported-media-type']);
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await t.client.send('/devices/d1', {
        method: 'PUT',
        body: record,
        headers: { 'Content-Type': 'text/csv', 'Content-Encoding': encoding },
      });
      expect([res.status, problemOf(res.text).code], encoding).to.deep.equal([400, 'invalid-record']);
    }
  });

  it('records an upload the client cut short as aborted with status 499 (not a 404 nobody was sent), in the log and the metrics', async () => {
    const socket = await openRawTls(t.server.address.port, (await testCertificate()).cert);
    socket.on('error', () => {});
    // Expect: 100-continue, so that the 100 says the server holds the request before it is cut.
    socket.write(
      `PUT /files/cut.bin HTTP/1.1\r\nHost: x\r\n${AUTH}\r\nContent-Type: ${BIN}\r\nContent-Length: 60000\r\nExpect: 100-continue\r\nX-Request-Id: cut-upload\r\n\r\n`,
    );
    expect(await readResponse(socket, (text) => text.includes('\r\n\r\n'))).to.match(/^HTTP\/1\.1 100 Continue\r\n/);
    socket.write(Buffer.alloc(1000, 1));
    socket.destroy();
    const line = () => t.logger.lines.find((entry) => entry.includes('"reqId":"cut-upload"'));
    // The count of tries bounds the wait; nothing depends on how long a try takes.
    for (let i = 0; i < 200 && line() === undefined; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(JSON.parse((line() ?? 'info request {}').slice('info request '.length))).to.include({
      status: 499,
      outcome: 'aborted',
      path: '/files/cut.bin',
    });
    const metrics = await t.client.get('/metrics');
    expect(metrics.text).to.match(/fuota_http_requests_total\{method="PUT",route="\/files\/\*path",status="499"\} 1/);
    expect(metrics.text).to.not.match(/fuota_http_requests_total\{method="PUT",route="\/files\/\*path",status="404"\}/);
  });
});
