import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { startTestServer, testCertificate } from '../support/test-server.js';
import type { RunningTestServer } from '../support/test-server.js';

const LIMIT = 64 * 1024;
/** Far more than the socket buffers hold: sent regardless of the answer, it met a closed connection. */
const LARGE = Buffer.alloc(4 * 1024 * 1024, 0x5a);
/** How often each refusal is tried: the lost connection depended on timing, not on every run. */
const TRIES = 5;

/**
 * An upload the server refuses before taking its body (a new user's try: over the size limit,
 * a bad path) is reported with the server's problem and its exit status, not as a lost
 * connection: the body is sent only once the server invites it (`Expect: 100-continue`).
 */
describe('e2e: fuota upload refused before its body is taken', () => {
  let bench: CliBench;
  let small: RunningTestServer;
  let url: string;

  before(async () => {
    bench = await startCliBench({ 'large.bin': LARGE });
    small = await startTestServer({ maxUploadBytes: LIMIT });
    url = `https://localhost:${small.server.address.port}`;
  });
  after(async () => {
    await small.stop();
    await bench.stop();
  });

  it("over the server's size limit: its 413 problem, exit 5, every time", async () => {
    for (let n = 0; n < TRIES; n += 1) {
      const text = await bench.fuota(['upload', 'large.bin', '--no-validate', '--url', url]);
      expect(text.code, text.stderr).to.equal(5);
      expect(text.stderr).to.match(/^fuota: the server answered 413: /);
      expect(text.stderr).not.to.include('lost the connection');
      const json = await bench.fuota(['--json', 'upload', 'large.bin', '--no-validate', '--url', url]);
      expect(json.code, json.stderr).to.equal(5);
      const answer = JSON.parse(json.stdout) as { exitCode: number; problem: { status: number } | null };
      expect(answer.exitCode).to.equal(5);
      expect(answer.problem).to.include({ status: 413 });
    }
  });

  // The server invites the body before its route checks the path, then answers 400 and closes:
  // the body raced that answer. The path is checked here by the server's rule, before sending.
  it('a bad path (--as with a space): the path rule, exit 5, every time', async () => {
    for (let n = 0; n < TRIES; n += 1) {
      const text = await bench.fuota(['upload', 'large.bin', '--no-validate', '--as', 'bad name.bin']);
      expect(text.code, text.stderr).to.equal(5);
      expect(text.stderr).to.match(/^fuota: bad name\.bin is not a valid update path: update file path must be /);
      const json = await bench.fuota(['--json', 'upload', 'large.bin', '--no-validate', '--as', 'bad name.bin']);
      expect(json.code, json.stderr).to.equal(5);
      expect(JSON.parse(json.stdout)).to.include({ exitCode: 5 });
    }
  });

  it('within the limit: stored as before', async () => {
    const text = await bench.fuota(['upload', 'large.bin', '--no-validate', '--as', 'lamp/large.bin']);
    expect([text.code, text.stderr]).to.deep.equal([0, '']);
    expect(text.stdout).to.include(`stored lamp/large.bin: 4.0 MiB (${LARGE.length} bytes)`);
  });

  it('a server that ignores Expect (never sends 100 Continue): the body is sent after a wait, as curl does', async () => {
    const received: string[] = [];
    const store = (req: IncomingMessage, res: ServerResponse) => {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      req.on('end', () => {
        const sha256 = hash.digest('hex');
        received.push(sha256);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ path: 'lamp/large.bin', size, sha256, storedAt: '2026-01-01T00:00:00Z', image: null }),
        );
      });
    };
    // A 'checkContinue' listener that does not call writeContinue: Node then sends no 100 itself.
    const server = createServer(await testCertificate(), store).on('checkContinue', store);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const text = await bench.fuota(['upload', 'large.bin', '--no-validate', '--url', `https://localhost:${port}`]);
      expect([text.code, text.stderr]).to.deep.equal([0, '']);
      expect(received).to.deep.equal([createHash('sha256').update(LARGE).digest('hex')]);
    } finally {
      server.close();
    }
  });
});
