import { execFile } from 'node:child_process';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { EphemeralProgram, ReadyLine, Sandbox } from '../support/ephemeral-program.js';
import { makeSandbox, startEphemeral } from '../support/ephemeral-program.js';
import { HttpsTestClient } from '../support/https-client.js';
import { fillIn, SEED_CURL } from '../support/seed-curl-commands.js';
import type { SeedCurlCommand } from '../support/seed-curl-commands.js';
import { runProgram } from '../support/started-program.js';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);

/** Runs one of the seed's curl commands, as a user pastes it, against the ready line's server. */
async function curl(
  ready: ReadyLine,
  cwd: string,
  command: SeedCurlCommand,
  values: Record<string, string> = {},
): Promise<{ status: number; stdout: string }> {
  const line = fillIn(SEED_CURL[command], {
    username: ready.username,
    password: ready.password,
    ca_cert_pem_file_path: ready.caCertFile,
    server_fqdn: new URL(ready.url).hostname,
    server_port: String(ready.port),
    ...values,
  });
  const { stdout, stderr } = await run('bash', ['-c', line], { cwd, encoding: 'utf8' });
  const statuses = [...stderr.matchAll(/^< HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
  expect(statuses, stderr).to.have.length.above(0);
  return { status: statuses.at(-1) ?? 0, stdout };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** A port that was free a moment ago (for FUOTA_PORT). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('e2e: serve --ephemeral runs the seed curl flow in memory and leaves nothing on disk', function () {
  let sandbox: Sandbox;
  let program: EphemeralProgram;
  let ready: ReadyLine;
  const firmware = buildEspImage({ version: '1.1', segmentLengths: [100_000, 50_000] });

  before(async function () {
    requireTool(this, 'curl', 'curl');
    sandbox = await makeSandbox();
    program = startEphemeral(sandbox, []);
    ready = await program.ready;
    await writeFile(join(sandbox.client, 'app-1.1.bin'), firmware);
  });

  after(async () => {
    if (program?.child.exitCode === null) program.child.kill('SIGKILL');
    await program?.closed;
    await sandbox?.remove();
  });

  it('prints one JSON line: url, port, the CA as PEM and as a file, a generated credential', async () => {
    expect(Object.keys(ready)).to.deep.equal(['url', 'port', 'caCertPem', 'caCertFile', 'username', 'password']);
    expect(ready.url).to.equal(`https://127.0.0.1:${ready.port}`);
    expect(ready.port).to.be.a('number').above(0);
    expect(ready.caCertPem).to.match(/^-----BEGIN CERTIFICATE-----\n[^]*-----END CERTIFICATE-----\n$/);
    expect(ready.caCertFile.startsWith(`${sandbox.tmp}/`), ready.caCertFile).to.equal(true);
    expect(await readFile(ready.caCertFile, 'utf8')).to.equal(ready.caCertPem);
    expect(ready.username).to.equal('fuota');
    expect(ready.password).to.match(/^[A-Za-z0-9_-]{24}$/);
    expect(program.stderr()).to.include('"msg":"fuota listening"');
  });

  it("answers the seed's curl commands with the printed CA (real curl)", async () => {
    const at = sandbox.client;
    const upload = { local_update_file_path: 'app-1.1.bin', update_file_path: 'app-1.1.bin' };
    expect((await curl(ready, at, 'upload', upload)).status).to.equal(200);
    const row = { device_id: '24:0A:C4:00:01:02', app_version: '1.0', update_file_path: 'app-1.1.bin' };
    expect((await curl(ready, at, 'assign', row)).status).to.equal(200);
    expect(await curl(ready, at, 'list')).to.deep.equal({
      status: 200,
      stdout: '"24:0A:C4:00:01:02","1.0","app-1.1.bin"\n',
    });
    const check = (device_id: string, app_version: string) => curl(ready, at, 'check', { device_id, app_version });
    expect(await check('24:0A:C4:00:01:02', '1.0')).to.deep.equal({ status: 200, stdout: 'app-1.1.bin' });
    expect((await check('24:0A:C4:00:01:02', '1.1')).status).to.equal(204);
    expect((await check('24:0A:C4:00:09:09', '1.0')).status).to.equal(404);
    const download = { local_update_file_path: 'downloaded.bin', update_file_path: 'app-1.1.bin' };
    expect((await curl(ready, at, 'download', download)).status).to.equal(200);
    expect((await readFile(join(at, 'downloaded.bin'))).equals(firmware)).to.equal(true);
  });

  it('keeps the fleet inventory, the audit log and rollouts in memory like any server', async () => {
    const client = new HttpsTestClient(ready.url, ready.caCertPem, ready);
    const json = async <T>(path: string, options: Parameters<HttpsTestClient['send']>[1] = {}) => {
      const res = await client.send(path, options);
      expect(res.status, res.text).to.be.oneOf([200, 201]);
      return JSON.parse(res.text) as T;
    };
    const device = await json<{ id: string; runningVersion: string }>('/api/v1/devices/24:0A:C4:00:01:02');
    expect(device).to.include({ id: '24:0A:C4:00:01:02' });
    const audit = await json<{ items: { action: string; target: string; actor: string }[] }>('/api/v1/audit');
    expect(audit.items.map((record) => [record.action, record.target, record.actor])).to.deep.include.members([
      ['file.put', 'app-1.1.bin', 'fuota'],
      ['device-row.put', '24:0A:C4:00:01:02', 'fuota'],
    ]);
    const body = JSON.stringify({ name: 'app 1.1', file: 'app-1.1.bin' });
    const rollout = await json<{ id: string; state: string }>('/api/v1/rollouts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect(rollout.state).to.equal('draft');
    expect((await json<{ items: { id: string }[] }>('/api/v1/rollouts')).items.map((r) => r.id)).to.include(rollout.id);
  });

  it('stops on SIGTERM (exit 0): standard output held the ready line only, and nothing is left on disk', async () => {
    program.child.kill('SIGTERM');
    expect(await program.closed).to.equal(0);
    expect(program.stdout()).to.equal(`${JSON.stringify(ready)}\n`);
    expect(program.stderr()).to.include('"msg":"stopped"');
    expect(await exists(ready.caCertFile)).to.equal(false);
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });
});

describe('e2e: serve --ephemeral --preload <dir>', function () {
  let sandbox: Sandbox;
  let program: EphemeralProgram;
  let ready: ReadyLine;
  let port: number;
  const lamp = buildEspImage({ version: '1.1' });
  const fan = buildEspImage({ version: '2.0', segmentLengths: [4096] });

  before(async function () {
    requireTool(this, 'curl', 'curl');
    sandbox = await makeSandbox();
    const dir = join(sandbox.client, 'preload');
    await mkdir(join(dir, 'fan'), { recursive: true });
    await writeFile(join(dir, 'lamp-1.1.bin'), lamp);
    await writeFile(join(dir, 'fan', 'v2.0.bin'), fan);
    await writeFile(join(dir, 'notes.txt'), 'not a .bin: not uploaded');
    await writeFile(
      join(dir, 'devices.csv'),
      // With the byte order mark a Windows spreadsheet writes: not part of the first device id.
      '\uFEFF"24:0A:C4:00:01:02","1.0","lamp-1.1.bin"\n"fan-7","1.9","fan/v2.0.bin"\n',
    );
    port = await freePort();
    program = startEphemeral(sandbox, ['--preload', dir], {
      FUOTA_PORT: String(port),
      FUOTA_USERNAME: 'ci',
      FUOTA_PASSWORD: 'ci-secret',
    });
    ready = await program.ready;
  });

  after(async () => {
    if (program?.child.exitCode === null) program.child.kill('SIGKILL');
    await program?.closed;
    await sandbox?.remove();
  });

  it('is ready with every *.bin uploaded and every devices.csv row set, on FUOTA_PORT with the given credential', async () => {
    expect(ready).to.include({ port, url: `https://127.0.0.1:${port}`, username: 'ci', password: 'ci-secret' });
    expect((await curl(ready, sandbox.client, 'list')).stdout).to.equal(
      '"24:0A:C4:00:01:02","1.0","lamp-1.1.bin"\n"fan-7","1.9","fan/v2.0.bin"\n',
    );
    expect((await curl(ready, sandbox.client, 'check', { device_id: 'fan-7', app_version: '1.9' })).stdout).to.equal(
      'fan/v2.0.bin',
    );
    const download = { local_update_file_path: 'fan.bin', update_file_path: 'fan/v2.0.bin' };
    expect((await curl(ready, sandbox.client, 'download', download)).status).to.equal(200);
    expect((await readFile(join(sandbox.client, 'fan.bin'))).equals(fan)).to.equal(true);
    const notes = { local_update_file_path: 'notes.txt', update_file_path: 'notes.txt' };
    expect((await curl(ready, sandbox.client, 'download', notes)).status).to.equal(404);
  });

  it('stops on SIGINT (exit 0) and leaves nothing on disk', async () => {
    program.child.kill('SIGINT');
    expect(await program.closed).to.equal(0);
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });
});

describe('e2e: serve --ephemeral --exit-on-stdin-close, its parent killed with SIGKILL', function () {
  /** A test runner in miniature: starts the server with its standard input a pipe, then waits. */
  const PARENT = `
    const { spawn } = require('node:child_process');
    const [main, ...args] = process.argv.slice(1);
    spawn(process.execPath, [main, 'serve', '--ephemeral', '--exit-on-stdin-close', ...args], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    setInterval(() => {}, 3600000);
  `;

  it('stops once the parent is gone, and leaves nothing on disk', async function () {
    requireTool(this, 'curl', 'curl');
    const sandbox = await makeSandbox();
    const parent = startEphemeral(sandbox, [], {}, PARENT);
    try {
      const ready = await parent.ready;
      expect(await exists(ready.caCertFile)).to.equal(true);
      expect((await curl(ready, sandbox.client, 'list')).status).to.equal(200);
      parent.child.kill('SIGKILL');
      // The output pipes close once the server, which shares them, has exited too.
      await parent.closed;
      expect(parent.stderr()).to.include('"signal":"stdin closed"').and.include('"msg":"stopped"');
      expect(await exists(ready.caCertFile)).to.equal(false);
      expect(await sandbox.leftovers()).to.deep.equal([]);
    } finally {
      // A failure before the kill: the parent's death stops the server too.
      if (parent.child.exitCode === null && parent.child.signalCode === null) parent.child.kill('SIGKILL');
      await parent.closed;
      await sandbox.remove();
    }
  });
});

describe('e2e: serve --ephemeral refusals', function () {
  let sandbox: Sandbox;
  beforeEach(async () => (sandbox = await makeSandbox()));
  afterEach(async () => sandbox.remove());

  it('a preloaded file that is not an ESP-IDF image stops the start (exit 2), naming it; nothing printed or left', async () => {
    const dir = join(sandbox.client, 'preload');
    await mkdir(dir);
    await writeFile(join(dir, 'bad.bin'), Buffer.from('not an image at all'));
    const program = startEphemeral(sandbox, ['--preload', dir]);
    expect(await program.closed).to.equal(2);
    expect(program.stdout()).to.equal('');
    expect(program.stderr()).to.match(/--preload: .*bad\.bin: .*422/);
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });

  it('a devices.csv record that is not the seed row stops the start (exit 2), naming the record', async () => {
    const dir = join(sandbox.client, 'preload');
    await mkdir(dir);
    await writeFile(join(dir, 'devices.csv'), '"dev-1","1.0"\n');
    const program = startEphemeral(sandbox, ['--preload', dir]);
    expect(await program.closed).to.equal(2);
    expect(program.stderr()).to.match(/--preload: .*devices\.csv: record 1 /);
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });

  it('refuses shared storage, and --preload or --exit-on-stdin-close without --ephemeral (exit 2)', async () => {
    const shared = await runProgram({ ...sandbox.env, FUOTA_DATABASE_URL: 'postgres://u@localhost/db' }, [
      'serve',
      '--ephemeral',
    ]);
    expect(shared.code).to.equal(2);
    expect(shared.output).to.include('FUOTA_DATABASE_URL: serve --ephemeral keeps everything in memory');
    for (const args of [
      ['serve', '--preload', sandbox.client],
      ['serve', '--exit-on-stdin-close'],
      ['healthcheck', '--ephemeral'],
    ]) {
      const refused = await runProgram(sandbox.env, args);
      expect(refused.code, args.join(' ')).to.equal(2);
      expect(refused.output).to.include('go with serve --ephemeral');
    }
  });
});

/** Resolves once `text` shows in what `read` returns (the program's output so far). */
async function shown(read: () => string, text: string): Promise<void> {
  while (!read().includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A preload folder of `count` small images: long enough to preload that a stop lands meanwhile. */
async function bigPreload(sandbox: Sandbox, count = 400): Promise<string> {
  const dir = join(sandbox.client, 'preload');
  await mkdir(dir);
  const image = buildEspImage({ version: '1.0', segmentLengths: [1024] });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `fw-${i}.bin`), image);
  return dir;
}

describe('e2e: serve --ephemeral stopped before its ready line', function () {
  let sandbox: Sandbox;
  beforeEach(async () => (sandbox = await makeSandbox()));
  afterEach(async () => sandbox.remove());

  it('SIGTERM during --preload stops it: exit 0, no ready line, nothing left in TMPDIR', async () => {
    const program = startEphemeral(sandbox, ['--preload', await bigPreload(sandbox)]);
    await shown(program.stderr, '"msg":"preloading"');
    program.child.kill('SIGTERM');
    expect(await program.closed).to.equal(0);
    expect(program.stdout()).to.equal('');
    expect(program.stderr()).to.include('"signal":"SIGTERM"').and.include('"msg":"stopped"');
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });

  it('with --exit-on-stdin-close, a parent killed during --preload stops it at once: no ready line, nothing left', async () => {
    const PARENT = `
      const { spawn } = require('node:child_process');
      const [main, ...args] = process.argv.slice(1);
      spawn(process.execPath, [main, 'serve', '--ephemeral', '--exit-on-stdin-close', ...args], {
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      setInterval(() => {}, 3600000);
    `;
    const parent = startEphemeral(sandbox, ['--preload', await bigPreload(sandbox)], {}, PARENT);
    await shown(parent.stderr, '"msg":"preloading"');
    parent.child.kill('SIGKILL');
    await parent.closed;
    expect(parent.stdout()).to.equal('');
    expect(parent.stderr()).to.include('"signal":"stdin closed"').and.include('"msg":"stopped"');
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });

  it('a reader of standard output that went away (EPIPE on the ready line) stops it quietly: exit 0, nothing left', async () => {
    const PARENT = `
      const { spawn } = require('node:child_process');
      const [main, ...args] = process.argv.slice(1);
      const child = spawn(process.execPath, [main, 'serve', '--ephemeral', ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.destroy();
      child.on('exit', (code, signal) => console.log(JSON.stringify({ code, signal })));
    `;
    const parent = startEphemeral(sandbox, [], {}, PARENT);
    expect(await parent.closed).to.equal(0);
    expect(JSON.parse(parent.stdout())).to.deep.equal({ code: 0, signal: null });
    expect(parent.stderr()).to.include('"signal":"stdout closed"').and.not.include('EPIPE');
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });

  it('names an unexpected argument (exit 2)', async () => {
    const refused = await runProgram(sandbox.env, ['serve', '--ephemeral', 'extra']);
    expect(refused.code).to.equal(2);
    expect(refused.output).to.include('unexpected argument to serve: extra');
  });
});
