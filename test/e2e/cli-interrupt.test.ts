import { access } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import type { CliOnTerminal } from '../support/cli-terminal.js';
import { cliOnTerminal } from '../support/cli-terminal.js';
import { testCertificate } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';

const SIZE = 4 * 1024 * 1024;
/** What the progress bar turns off (the cursor, line wrap) and a Ctrl-C must turn on again. */
const HIDDEN = '\u001b[?25l';
const RESTORED = ['\u001b[?25h', '\u001b[?7h'];

/**
 * A server that starts an answer and never ends it: a download gets half the file then waits;
 * an upload is invited (100 Continue), then never read. Either way the bar stays on screen.
 */
async function stallingServer(): Promise<{ server: Server; url: string }> {
  const stall = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Length': SIZE, 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(SIZE / 2, 1));
    } else {
      res.writeContinue();
      req.pause();
    }
  };
  const server = createServer(await testCertificate(), stall).on('checkContinue', stall);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}` };
}

/** Ctrl-C while a progress bar is drawn leaves the terminal as it found it. */
describe('e2e: fuota interrupted during a transfer', () => {
  let bench: CliBench;
  let stalling: { server: Server; url: string };
  const running: CliOnTerminal[] = [];

  before(async () => {
    bench = await startCliBench({ 'big.bin': Buffer.alloc(SIZE, 2) });
    stalling = await stallingServer();
  });
  afterEach(() => {
    for (const cli of running.splice(0)) cli.kill();
  });
  after(async () => {
    stalling.server.closeAllConnections();
    stalling.server.close();
    await bench.stop();
  });

  const run = (args: string[]) => {
    const cli = cliOnTerminal([...args, '--url', stalling.url], bench.dir, bench.env);
    running.push(cli);
    return cli;
  };

  /** The terminal after the bar was hidden: what was written once it had turned the cursor off. */
  const afterBar = (cli: CliOnTerminal) => cli.output().slice(cli.output().lastIndexOf(HIDDEN));

  it('download: Ctrl-C shows the cursor and turns line wrap on again, removes the .part file, exits 130', async function () {
    requireTool(this, 'script', 'bsdutils', '--version');
    const cli = run(['download', 'lamp/big.bin', '-o', 'big.out']);
    await cli.shows('download lamp/big.bin [');
    await cli.shows('50%');
    await access(join(bench.dir, 'big.out.part'));
    cli.type('\u0003');
    expect(await cli.exited, cli.output()).to.equal(130);
    for (const sequence of RESTORED) expect(afterBar(cli)).to.include(sequence);
    expect(cli.output()).to.include('fuota: interrupted');
    const left = await access(join(bench.dir, 'big.out.part')).then(
      () => true,
      () => false,
    );
    expect(left, 'big.out.part is left').to.equal(false);
  });

  it('upload: Ctrl-C shows the cursor and turns line wrap on again, exits 130', async function () {
    requireTool(this, 'script', 'bsdutils', '--version');
    const cli = run(['upload', 'big.bin', '--no-validate']);
    await cli.shows('upload big.bin [');
    cli.type('\u0003');
    expect(await cli.exited, cli.output()).to.equal(130);
    for (const sequence of RESTORED) expect(afterBar(cli)).to.include(sequence);
    expect(cli.output()).to.include('fuota: interrupted');
  });
});
