import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { programClient, programEnv, runProgram, startProgram } from '../support/started-program.js';
import { findLog } from '../support/log-records.js';
import { requireTool } from '../support/tools.js';
import { OWN_PID_NAMESPACE, pidNamespacesWork } from '../support/pid-namespace.js';

const run = promisify(execFile);

/** The seed server's own statements: its DDL, and its inserts as it wrote them. */
const SEED_SQL = (rows: Array<[string, string, string]>) =>
  [
    'create table if not exists device_app(device_id text primary key asc, app_ver text, update_file_path text);',
    ...rows.map(([id, version, path]) => `insert into device_app values("${id}", "${version}", "${path}");`),
  ].join('\n');

/** A seed data volume built by the real SQLite command-line shell. */
async function seedVolume(
  dir: string,
  rows: Array<[string, string, string]>,
  files: Record<string, Buffer>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('sqlite3', [join(dir, 'devices.db'), SEED_SQL(rows)]);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
}

describe('e2e: importing a seed data volume', function () {
  let dir: string;
  before(function () {
    requireTool(this, 'sqlite3', 'sqlite3', '-version');
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-import-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const env = () => programEnv(join(dir, 'data'));
  /** Starts the server on the imported data dir, runs `check` with a client of it, and stops it. */
  async function served(check: (client: Awaited<ReturnType<typeof programClient>>) => Promise<void>): Promise<void> {
    const program = await startProgram(env());
    try {
      await check(await programClient(program, join(dir, 'data')));
    } finally {
      await program.stop();
    }
  }
  const firmwareA = Buffer.alloc(70_000, 0xa1);
  const firmwareB = Buffer.alloc(1234, 0xb2);

  it('imports the rows and the files beside devices.db, which are then served unchanged', async () => {
    await seedVolume(
      join(dir, 'seed'),
      [
        ['24:0A:C4:00:00:01', '1.0', 'app-1.1.bin'],
        ['24:0A:C4:00:00:02', '1.1', 'app-1.2.bin'],
        ['sensor-7', '0.9', 'app-1.1.bin'],
      ],
      { 'app-1.1.bin': firmwareA, 'app-1.2.bin': firmwareB, 'unreferenced.bin': Buffer.from('x') },
    );
    const imported = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(imported.code, imported.output).to.equal(0);
    expect(findLog(imported.output, 'seed volume imported', { rows: 3, files: 3 }), imported.output).to.not.equal(
      undefined,
    );

    const program = await startProgram(env());
    try {
      const client = await programClient(program, join(dir, 'data'));
      expect((await client.get('/devices')).text).to.equal(
        '"24:0A:C4:00:00:01","1.0","app-1.1.bin"\n"24:0A:C4:00:00:02","1.1","app-1.2.bin"\n"sensor-7","0.9","app-1.1.bin"\n',
      );
      const check = await client.get('/devices/24:0A:C4:00:00:02?app_ver=1.1');
      expect([check.status, check.text]).to.deep.equal([200, 'app-1.2.bin']);
      expect((await client.get('/files/app-1.1.bin')).body.equals(firmwareA)).to.equal(true);
      expect((await client.get('/files/app-1.2.bin')).body.equals(firmwareB)).to.equal(true);
      expect((await client.get('/files/unreferenced.bin')).text).to.equal('x');
      expect((await client.get('/files/devices.db')).status).to.equal(404);
      // The import is in the audit log, made by the command on the server's machine.
      const audit = JSON.parse((await client.get('/api/v1/audit')).text) as { items: Array<Record<string, unknown>> };
      expect(audit.items.map(({ seq: _seq, at: _at, ...rest }) => rest)).to.deep.equal([
        {
          actor: 'local:import-seed',
          address: null,
          action: 'seed.import',
          target: join(dir, 'seed'),
          detail: { rows: 3, files: 3, skippedInvalid: 0, missingFiles: 0 },
          requestId: null,
        },
      ]);
    } finally {
      await program.stop();
    }
    // The seed volume is only read.
    const { stdout } = await run('sqlite3', [join(dir, 'seed', 'devices.db'), 'select count(*) from device_app;']);
    expect(stdout.trim()).to.equal('3');
  });

  it('refuses a volume with rows it cannot serve, importing nothing, unless told to skip them', async () => {
    await seedVolume(
      join(dir, 'seed'),
      [
        ['good', '1.0', 'app.bin'],
        ['bad id with spaces', '1.0', 'app.bin'],
        ['traversal', '1.0', '../../etc/passwd'],
      ],
      { 'app.bin': firmwareB },
    );
    const refused = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(refused.code).to.equal(1);
    expect(refused.output)
      .to.include('bad id with spaces')
      .and.include('../../etc/passwd')
      .and.include('--skip-invalid');

    const skipped = await runProgram(env(), ['import-seed', '--skip-invalid', join(dir, 'seed')]);
    expect(skipped.code, skipped.output).to.equal(0);
    expect(findLog(skipped.output, 'seed volume imported', { rows: 1, files: 1 }), skipped.output).to.not.equal(
      undefined,
    );
    await served(async (client) => {
      expect((await client.get('/devices')).text).to.equal('"good","1.0","app.bin"\n');
    });
  });

  it('imports files the volume links to, inside it or out of it, as the seed served them', async () => {
    // Found by a new user: a symlinked file was reported missing and its device got 404.
    await mkdir(join(dir, 'builds'));
    await writeFile(join(dir, 'builds', 'lamp-3.bin'), firmwareA);
    await seedVolume(
      join(dir, 'seed'),
      [
        ['lamp-1', '1.0', 'lamp-latest.bin'],
        ['lamp-2', '1.0', 'lamp-nightly.bin'],
      ],
      { 'lamp-v2.bin': firmwareB },
    );
    await symlink('lamp-v2.bin', join(dir, 'seed', 'lamp-latest.bin'));
    await symlink(join(dir, 'builds', 'lamp-3.bin'), join(dir, 'seed', 'lamp-nightly.bin'));
    await symlink(join(dir, 'builds', 'gone.bin'), join(dir, 'seed', 'dangling.bin'));
    const imported = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(imported.code, imported.output).to.equal(0);
    expect(findLog(imported.output, 'seed volume imported', { rows: 2, files: 3 }), imported.output).to.not.equal(
      undefined,
    );
    await served(async (client) => {
      expect((await client.get('/files/lamp-latest.bin')).body).to.deep.equal(firmwareB);
      expect((await client.get('/files/lamp-nightly.bin')).body).to.deep.equal(firmwareA);
    });
  });

  it('lists the files whose names no device can ask for, importing nothing unless told to skip them', async () => {
    // Found by a new user: they were left out without a word.
    await seedVolume(join(dir, 'seed'), [['good', '1.0', 'app.bin']], {
      'app.bin': firmwareB,
      'my firmware.bin': firmwareA,
    });
    const refused = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(refused.code).to.equal(1);
    expect(refused.output).to.include('my firmware.bin').and.include('--skip-invalid');
    const skipped = await runProgram(env(), ['import-seed', '--skip-invalid', join(dir, 'seed')]);
    expect(skipped.code, skipped.output).to.equal(0);
    expect(findLog(skipped.output, 'skipped', {}), skipped.output).to.not.equal(undefined);
  });

  it('refuses a seed database whose last writes are not in its file yet (a write-ahead log, a hot journal)', async function () {
    // Found by a new user: rows only in devices.db-wal were left out, exit 0. sql.js reads the file alone.
    requireTool(this, 'python3', 'python3', '--version');
    const seed = join(dir, 'seed');
    await seedVolume(seed, [['first', '1.0', 'app.bin']], { 'app.bin': firmwareB });
    // A writer in WAL mode that ends without a checkpoint (the seed server, killed).
    const script =
      'import os, sqlite3, sys\n' +
      'c = sqlite3.connect(sys.argv[1])\n' +
      "c.execute('PRAGMA journal_mode=WAL')\n" +
      "c.execute('PRAGMA wal_autocheckpoint=0')\n" +
      "c.execute(\"insert into device_app values('second', '1.0', 'app.bin')\")\n" +
      'c.commit()\n' +
      'os._exit(0)\n';
    await run('python3', ['-c', script, join(seed, 'devices.db')]);
    const refused = await runProgram(env(), ['import-seed', seed]);
    expect(refused.code).to.equal(1);
    expect(refused.output).to.include('devices.db-wal holds writes').and.include('wal_checkpoint');
    await run('sqlite3', [join(seed, 'devices.db'), 'PRAGMA wal_checkpoint(TRUNCATE)']);
    const imported = await runProgram(env(), ['import-seed', seed]);
    expect(imported.code, imported.output).to.equal(0);
    expect(findLog(imported.output, 'seed volume imported', { rows: 2 }), imported.output).to.not.equal(undefined);

    // A rollback journal that still holds a transaction (its header intact): the file holds half a write.
    const hot = join(dir, 'hot');
    await seedVolume(hot, [['first', '1.0', 'app.bin']], { 'app.bin': firmwareB });
    const header = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
    await writeFile(join(hot, 'devices.db-journal'), Buffer.concat([header, Buffer.alloc(504)]));
    const cut = await runProgram(env(), ['import-seed', hot]);
    expect(cut.code).to.equal(1);
    expect(cut.output).to.include('devices.db-journal is the journal of a write that was not finished');
    // A journal whose header was zeroed (a finished write, persistent journal mode) is no obstacle.
    await writeFile(join(hot, 'devices.db-journal'), Buffer.alloc(512));
    expect((await runProgram(env(), ['import-seed', hot])).code).to.equal(0);
  });

  it('names the file that is not a seed database', async () => {
    await mkdir(join(dir, 'seed'));
    await writeFile(join(dir, 'seed', 'devices.db'), 'not a database at all, just some text of a few bytes');
    const failed = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(failed.code).to.equal(1);
    expect(failed.output).to.include(`${join(dir, 'seed', 'devices.db')} is not a seed database`);
    await rm(join(dir, 'seed', 'devices.db'));
    await run('sqlite3', [join(dir, 'seed', 'devices.db'), 'create table other(x);']);
    const noTable = await runProgram(env(), ['import-seed', join(dir, 'seed')]);
    expect(noTable.code).to.equal(1);
    expect(noTable.output).to.include('is not a seed database: no such table: device_app');
  });

  it('will not import into a data dir a running server owns, even from another PID namespace (docker run --rm ... import-seed)', async () => {
    await seedVolume(join(dir, 'seed'), [['a', '1', 'a.bin']], { 'a.bin': firmwareB });
    const program = await startProgram(env());
    try {
      const client = await programClient(program, join(dir, 'data'));
      expect((await client.put('/devices/kept', '"kept","2","x.bin"', 'text/csv')).status).to.equal(200);
      const wrappers = [[], ...(pidNamespacesWork() ? [OWN_PID_NAMESPACE] : [])];
      for (const wrapper of wrappers) {
        const attempt = await runProgram(env(), ['import-seed', join(dir, 'seed')], wrapper);
        expect(attempt.code, attempt.output).to.equal(1);
        expect(attempt.output).to.match(
          /in use by (another fuota process|a fuota process in another PID namespace or on another host) \(host \S+, pid \d+, since /,
        );
      }
      expect((await client.get('/devices')).text).to.equal('"kept","2","x.bin"\n');
      expect((await client.get('/files/a.bin')).status).to.equal(404);
    } finally {
      await program.stop();
    }
  });

  it('says clearly when the directory holds no seed database', async () => {
    await mkdir(join(dir, 'empty'));
    const attempt = await runProgram(env(), ['import-seed', join(dir, 'empty')]);
    expect(attempt.code).to.equal(1);
    expect(attempt.output).to.match(/devices\.db/);
  });
});
