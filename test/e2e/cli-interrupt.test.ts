import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import type { CliOnTerminal } from '../support/cli-terminal.js';
import { cliOnTerminal } from '../support/cli-terminal.js';
import type { StallingServer } from '../support/stalling-https-server.js';
import { startStallingServer } from '../support/stalling-https-server.js';
import { requireTool } from '../support/tools.js';

/** What the progress bar turns off (the cursor, line wrap) and a Ctrl-C must turn on again. */
const HIDDEN = '\u001b[?25l';
const RESTORED = ['\u001b[?25h', '\u001b[?7h'];

/** Ctrl-C while a progress bar is drawn leaves the terminal as it found it. */
describe('e2e: fuota interrupted during a transfer', () => {
  let bench: CliBench;
  let stalling: StallingServer;
  const running: CliOnTerminal[] = [];

  before(async () => {
    stalling = await startStallingServer();
    bench = await startCliBench({ 'big.bin': Buffer.alloc(stalling.size, 2) });
  });
  afterEach(() => {
    for (const cli of running.splice(0)) cli.kill();
  });
  after(async () => {
    await stalling.close();
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
