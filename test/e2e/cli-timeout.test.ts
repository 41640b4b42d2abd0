import { access } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import type { SilentTcpServer } from '../support/silent-tcp-server.js';
import { startSilentTcpServer } from '../support/silent-tcp-server.js';
import type { StallingServer } from '../support/stalling-https-server.js';
import { startStallingServer } from '../support/stalling-https-server.js';
import { testCertificate } from '../support/test-server.js';

/**
 * A server that accepts the connection and then says nothing held the command for ever (a new
 * user's try): it gives up after --timeout (FUOTA_TIMEOUT) seconds without a byte either way,
 * exit 6, naming the URL.
 */
describe('e2e: fuota gives up on a server that does not answer', () => {
  let bench: CliBench;
  let silent: SilentTcpServer;
  let stalling: StallingServer;
  let url: string;

  before(async () => {
    bench = await startCliBench();
    silent = await startSilentTcpServer();
    stalling = await startStallingServer();
    url = `https://127.0.0.1:${silent.port}`;
  });
  after(async () => {
    await silent.close();
    await stalling.close();
    await bench.stop();
  });

  it('--timeout 1: exit 6, one line naming the URL and how to wait longer', async () => {
    const result = await bench.fuota(['devices', '--url', url, '--timeout', '1']);
    expect(result.code, result.stderr).to.equal(6);
    expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
    expect(result.stderr)
      .to.include(`fuota: no answer from ${url}/devices: nothing was sent or received for 1 s`)
      .and.include('--timeout <seconds> or FUOTA_TIMEOUT waits longer');
  });

  it('FUOTA_TIMEOUT, and --json: the same failure as JSON', async () => {
    const result = await bench.fuota(['--json', 'files', '--url', url], { FUOTA_TIMEOUT: '1' });
    expect(result.code, result.stderr).to.equal(6);
    expect(JSON.parse(result.stdout)).to.include({ exitCode: 6 });
  });

  it('a download that stops midway: exit 6, and no .part file left', async () => {
    const result = await bench.fuota([
      'download',
      'lamp/big.bin',
      '-o',
      'big.out',
      '--url',
      stalling.url,
      '--timeout',
      '1',
    ]);
    expect(result.code, result.stderr).to.equal(6);
    expect(result.stderr).to.include(`no answer from ${stalling.url}/files/lamp/big.bin`);
    const left = await access(join(bench.dir, 'big.out.part')).then(
      () => true,
      () => false,
    );
    expect(left).to.equal(false);
  });

  it('fuota delta make waits for the build however long it takes, whatever --timeout says (a review)', async () => {
    const patch = { id: 'p1', base: 'a.bin', target: 'b.bin', size: 10, targetSize: 100, ratio: 0.1 };
    const slow = createServer(await testCertificate(), (req, res) => {
      req.resume();
      // The build takes longer than the timeout before the answer's first byte.
      setTimeout(() => res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify(patch)), 2_500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const slowUrl = `https://localhost:${(slow.address() as AddressInfo).port}`;
      const result = await bench.fuota([
        '--json',
        'delta',
        'make',
        'a.bin',
        'b.bin',
        '--url',
        slowUrl,
        '--timeout',
        '1',
      ]);
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.include({ id: 'p1' });
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('a timeout that is no number of seconds: a usage error before any request', async () => {
    for (const [args, changes] of [
      [['devices', '--timeout', 'soon'], {}],
      [['devices', '--timeout', '-1'], {}],
      [['devices'], { FUOTA_TIMEOUT: '1e9' }],
    ] as const) {
      const result = await bench.fuota([...args], changes);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.match(/^fuota: --timeout\/FUOTA_TIMEOUT: .* is not a number of seconds from 0/);
    }
  });
});
