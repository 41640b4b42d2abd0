import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { CliBench } from '../support/cli-bench.js';
import { CLI, startCliBench } from '../support/cli-bench.js';
import { TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);

/** The `fuota` command as an operator runs it, against a real server, as a child process. */
describe('e2e: the fuota CLI', () => {
  let bench: CliBench;
  let dir: string;
  let env: Record<string, string>;
  const image = buildEspImage({ version: 'v2.0.0', projectName: 'lamp', chip: 'esp32s3' });

  before(async () => {
    bench = await startCliBench({ 'lamp.bin': image, 'cut.bin': image.subarray(0, 300) });
    ({ dir, env } = bench);
  });
  after(() => bench.stop());

  const fuota = (args: string[], changes: Record<string, string> = {}) => bench.fuota(args, changes);
  const json = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const result = await fuota(['--json', ...args], extraEnv);
    return { ...result, value: JSON.parse(result.stdout) as Record<string, unknown> };
  };

  it('uploads an image and prints its size, SHA-256 and what the server read from it', async () => {
    const text = await fuota(['upload', 'lamp.bin', '--as', 'lamp/v2.0.0.bin']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout)
      .to.include(`stored lamp/v2.0.0.bin: ${image.length} B`)
      .and.include('version:  v2.0.0')
      .and.include('chip:     esp32s3');
    const again = await json(['upload', 'lamp.bin', '--as', 'lamp/copy.bin']);
    expect(again.value).to.include({ path: 'lamp/copy.bin', size: image.length });
    expect(again.value.image).to.include({ version: 'v2.0.0', projectName: 'lamp' });
    expect(again.stderr).to.equal(''); // no progress bar when stderr is not a terminal
  });

  it('shows a progress bar when stderr is a terminal (run under script(1) for a pseudo-terminal)', async function () {
    requireTool(this, 'script', 'bsdutils', '--version');
    const command = [process.execPath, CLI, 'upload', 'lamp.bin', '--as', 'lamp/tty.bin']
      .map((part) => `'${part}'`)
      .join(' ');
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: dir, env, encoding: 'utf8' });
    expect(stdout).to.match(/upload lamp\/tty\.bin \[[^\]]+\] 100%/);
    expect(stdout).to.include('stored lamp/tty.bin');
  });

  it('exits at once on a terminal when the path names nothing (no progress bar left waiting)', async function () {
    requireTool(this, 'script', 'bsdutils', '--version');
    const command = [process.execPath, CLI, 'upload', 'lamp.bin', '--as', 'fw/'].map((part) => `'${part}'`).join(' ');
    // Found by a review: the bar was drawn before the usage error (with a large file, its timer
    // kept the process up).
    const failed = await run('timeout', ['20', 'script', '-qfec', command, '/dev/null'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed.code, 'exit status (124: timed out)').to.equal(2);
    expect(failed.stdout).to.include('an empty device id, rollout id or path segment names nothing');
    expect(failed.stdout, 'no progress bar drawn for it').to.not.include('upload fw/ [');
  });

  it("exits 5 with the server's reason when it refuses an image, and stores it with --no-validate", async () => {
    const refused = await json(['upload', 'cut.bin']);
    expect(refused.code).to.equal(5);
    expect(refused.value.problem).to.include({ code: 'invalid-image', reason: 'truncated' });
    expect((await fuota(['upload', 'cut.bin', '--no-validate'])).code).to.equal(0);
  });

  it('assigns, lists, checks as a device would, and unassigns', async () => {
    expect(
      (await fuota(['assign', '24:0A:C4:00:01:02', '--from', 'v1.9.0', '--file', 'lamp/v2.0.0.bin'])).code,
    ).to.equal(0);
    const devices = await fuota(['devices']);
    expect(devices.stdout.split('\n')[0]).to.match(/^DEVICE\s+FROM VERSION\s+OFFERED FILE$/);
    expect(devices.stdout).to.match(/^24:0A:C4:00:01:02\s+v1\.9\.0\s+lamp\/v2\.0\.0\.bin$/m);
    expect((await json(['devices'])).value).to.deep.equal([
      { deviceId: '24:0A:C4:00:01:02', appVersion: 'v1.9.0', updateFilePath: 'lamp/v2.0.0.bin' },
    ]);
    const offered = await json(['check', '24:0A:C4:00:01:02', '--version', 'v1.9.0']);
    expect(offered.code).to.equal(0);
    expect(offered.value).to.deep.include({ outcome: 'update-offered' });
    expect(offered.value.file).to.include({ path: 'lamp/v2.0.0.bin', size: image.length, version: 'v2.0.0' });
    expect((await json(['check', '24:0A:C4:00:01:02', '--version', 'v2.0.0'])).value).to.include({
      outcome: 'no-update',
    });
    const unknown = await fuota(['check', 'nobody', '--version', 'v1']);
    expect([unknown.code, unknown.stderr]).to.deep.equal([
      4,
      'fuota: not found: the server has no row for this device (a device gets 404 and tries again later)\n',
    ]);
    // An operator's checks, not the devices': the fleet's inventory holds neither device.
    const inventory = JSON.parse((await bench.t.client.get('/api/v1/devices')).text) as {
      items: Array<{ id: string }>;
    };
    expect(inventory.items.map((device) => device.id)).to.deep.equal([]);
    expect((await fuota(['unassign', '24:0A:C4:00:01:02'])).code).to.equal(0);
    expect((await fuota(['unassign', '24:0A:C4:00:01:02'])).code).to.equal(4);
  });

  it('lists files and downloads one, verifying its size and SHA-256', async () => {
    const files = await json(['files']);
    expect((files.value as unknown as Array<{ path: string }>).map((file) => file.path)).to.include('lamp/v2.0.0.bin');
    const download = await json(['download', 'lamp/v2.0.0.bin', '-o', 'back.bin']);
    expect(download.value).to.include({ size: image.length, verified: true });
    expect((await readFile(join(dir, 'back.bin'))).equals(image)).to.equal(true);
    expect((await fuota(['download', 'lamp/none.bin'])).code).to.equal(4);
    // A directory that is not there: the command line's mistake (found by a new user: exit 1, the .part file named).
    const nowhere = await fuota(['download', 'lamp/v2.0.0.bin', '-o', 'no-such-dir/back.bin']);
    expect(nowhere.code).to.equal(2);
    expect(nowhere.stderr).to.include('cannot write no-such-dir/back.bin: the directory').and.not.include('.part');
    // -o -: the bytes alone on standard output (a shell's redirection keeps them as bytes).
    const piped = await run('sh', ['-c', `'${process.execPath}' '${CLI}' download lamp/v2.0.0.bin -o - > piped.bin`], {
      cwd: dir,
      env,
    });
    expect(piped.stderr).to.equal('');
    expect((await readFile(join(dir, 'piped.bin'))).equals(image)).to.equal(true);
    const both = await fuota(['--json', 'download', 'lamp/v2.0.0.bin', '-o', '-']);
    expect(both.code).to.equal(2);
    expect(both.stdout).to.not.include('"size"');
    // Only -o - is standard output: a stored file whose name is "-" is written to a file so named.
    expect((await fuota(['upload', 'lamp.bin', '--as', 'dash/-'])).code).to.equal(0);
    const named = await fuota(['download', 'dash/-']);
    expect(named.code, named.stderr).to.equal(0);
    expect(named.stdout.length, 'bytes on standard output').to.be.lessThan(1000);
    expect((await readFile(join(dir, '-'))).equals(image)).to.equal(true);
  });

  it('downloads into an existing directory (-o <dir>) under the file name, as cp does', async () => {
    await mkdir(join(dir, 'into'), { recursive: true });
    const text = await fuota(['download', 'lamp/v2.0.0.bin', '-o', 'into']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^lamp\/v2\.0\.0\.bin -> into\/v2\.0\.0\.bin: /);
    expect((await readFile(join(dir, 'into', 'v2.0.0.bin'))).equals(image)).to.equal(true);
    const slash = await json(['download', 'lamp/v2.0.0.bin', '-o', 'into/']);
    expect(slash.value).to.include({ file: join('into', 'v2.0.0.bin'), verified: true });
    expect(await readdir(join(dir, 'into'))).to.deep.equal(['v2.0.0.bin']);
  });

  it('deletes a file with rm: refused (exit 5, naming the rows) while a row names it, done with --force, 4 once gone', async () => {
    expect((await fuota(['upload', 'lamp.bin', '--as', 'rm/a.bin'])).code).to.equal(0);
    expect((await fuota(['upload', 'lamp.bin', '--as', 'rm/b.bin'])).code).to.equal(0);
    expect((await fuota(['assign', 'rm-device', '--from', 'v1.0.0', '--file', 'rm/a.bin'])).code).to.equal(0);
    const refused = await fuota(['rm', 'rm/a.bin']);
    expect(refused.code).to.equal(5);
    expect(refused.stderr).to.include('rm-device').and.include('fuota rm --force');
    expect((await json(['rm', 'rm/a.bin'])).value.problem).to.deep.include({
      code: 'file-in-use',
      namedBy: ['rm-device'],
    });

    const forced = await fuota(['rm', 'rm/a.bin', '--force']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stdout).to.equal(
      `deleted rm/a.bin: ${image.length} B, SHA-256 ${createHash('sha256').update(image).digest('hex')}\n`,
    );
    expect(forced.stderr).to.match(/warning: 1 device row\(s\) still name rm\/a\.bin.*: rm-device\n$/);
    expect((await fuota(['rm', 'rm/a.bin'])).code).to.equal(4);

    const quiet = await json(['rm', 'rm/b.bin']);
    expect(quiet.code).to.equal(0);
    expect(quiet.value).to.deep.include({ namedBy: [] });
    expect(quiet.value.deleted).to.include({ path: 'rm/b.bin', size: image.length });
    expect(quiet.stderr).to.equal('');
    expect((await fuota(['download', 'rm/b.bin'])).code).to.equal(4);
    expect((await fuota(['unassign', 'rm-device'])).code).to.equal(0);
  });

  it("rm of a rollout's target: refused (exit 5) with the server's reason, without offering --force, which does not help", async () => {
    expect((await fuota(['upload', 'lamp.bin', '--as', 'rm/target.bin'])).code).to.equal(0);
    const created = await fuota([
      'rollout',
      'create',
      '--name',
      'rm target',
      '--file',
      'rm/target.bin',
      '--devices',
      'rm-d1',
    ]);
    expect(created.code, created.stderr).to.equal(0);
    for (const force of [[], ['--force']]) {
      const refused = await fuota(['rm', 'rm/target.bin', ...force]);
      expect(refused.code, refused.stderr).to.equal(5);
      expect(refused.stderr).to.include('is the target of rollout').and.include('abort or complete it first');
      expect(refused.stderr).not.to.include('--force');
    }
  });

  it('inspects an image offline: exit 0 when the server would take it, 5 with the reason when not', async () => {
    const good = await json(['inspect', 'lamp.bin']);
    expect(good.code).to.equal(0);
    expect(good.value).to.include({ accepted: true, size: image.length });
    const bad = await json(['inspect', 'cut.bin']);
    expect(bad.code).to.equal(5);
    expect(bad.value).to.include({ accepted: false, reason: 'truncated' });
  });

  it('tells failures apart by exit status: credential 3, usage 2, unreachable 1', async () => {
    expect((await fuota(['devices'], { FUOTA_PASSWORD: 'wrong' })).code).to.equal(3);
    expect(
      (
        await fuota(['devices'], {
          FUOTA_USERNAME: TEST_DEVICE_CREDENTIAL.username,
          FUOTA_PASSWORD: TEST_DEVICE_CREDENTIAL.password,
        })
      ).code,
    ).to.equal(3);
    expect((await fuota(['frobnicate'])).code).to.equal(2);
    expect((await fuota(['assign', 'd1'])).code).to.equal(2);
    expect((await fuota(['upload', 'no-such.bin'])).code).to.equal(2);
    expect((await fuota(['devices'], { FUOTA_URL: 'http://localhost:1' })).code).to.equal(2);
    expect((await fuota(['devices'], { FUOTA_URL: 'https://127.0.0.1:1' })).code).to.equal(1);
  });

  it('has --help with examples on every command', async () => {
    const top = await fuota(['--help']);
    expect(top.code).to.equal(0);
    expect(top.stdout).to.include('Example session');
    for (const command of ['upload', 'assign', 'unassign', 'devices', 'files', 'check', 'download', 'inspect', 'rm']) {
      const help = await fuota([command, '--help']);
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.match(/Examples?:\n {2}fuota /);
    }
  });
});
