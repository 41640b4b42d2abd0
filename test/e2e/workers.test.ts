import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { HttpsTestClient } from '../support/https-client.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import { signalledStart } from '../support/signalled-start.js';
import { startSilentTcpServer } from '../support/silent-tcp-server.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import {
  programClient,
  programEnv,
  runProgram,
  startProgram,
  type StartedProgram,
} from '../support/started-program.js';

/** The program's JSON log lines so far. */
function logLines(program: StartedProgram): Array<Record<string, unknown>> {
  return program
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The pid of each worker slot's request lines, in order of appearance. */
function servedBy(program: StartedProgram): Array<{ worker: unknown; pid: unknown }> {
  return logLines(program)
    .filter((line) => line.msg === 'request')
    .map((line) => ({ worker: line.worker, pid: line.pid }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * FUOTA_WORKERS=2 (issue 19): the built program on PostgreSQL, with the update files in the data
 * dir (shared by the workers): one port served by two worker processes, a killed worker restarted,
 * SIGTERM stopping all of them cleanly; and the refusal on the embedded database.
 */
describe('program: FUOTA_WORKERS', function () {
  this.timeout(120_000);
  let database: TestDatabase | undefined;
  let dataDir = '';
  let program: StartedProgram | undefined;
  let client: HttpsTestClient;

  before(async function () {
    await requirePostgres(this);
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'fuota-workers-'));
    program = await startProgram({
      ...programEnv(dataDir),
      FUOTA_WORKERS: '2',
      FUOTA_DATABASE_URL: database.url,
    });
    client = await programClient(program, dataDir);
  });

  after(async () => {
    await program?.stop('SIGKILL');
    await database?.drop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  it('says at start that two workers serve, and serves requests from both (new connections)', async () => {
    const listening = logLines(program!).find((line) => line.msg === 'fuota listening');
    expect(listening).to.include({ workers: 2, ticketKeys: 'drawn for this run' });
    expect(program!.output(), 'the ticket key is never logged').not.to.match(/[0-9a-f]{96}/);
    await eventually(async () => {
      expect((await client.get('/api/v1/fleet')).status).to.equal(200);
      return new Set(servedBy(program!).map((line) => line.worker)).size === 2;
    }, 'requests answered by worker 1 and worker 2');
    const metrics = (await client.get('/metrics')).text;
    expect(metrics).to.match(/fuota_http_requests_total\{[^}]*worker="[12]"\}/);
  });

  it('an upload through one worker is downloadable through either, from the shared files directory', async () => {
    const image = buildEspImage({ version: '1.2.3', segmentLengths: [50_000] });
    expect((await client.put('/files/fw/w.bin', image, 'application/octet-stream')).status).to.equal(200);
    const before = servedBy(program!).length;
    for (let i = 0; i < 6; i += 1) {
      const answer = await client.get('/files/fw/w.bin');
      expect(answer.status).to.equal(200);
      expect(answer.body.equals(image)).to.equal(true);
    }
    expect(
      new Set(
        servedBy(program!)
          .slice(before)
          .map((line) => line.worker),
      ).size,
    ).to.equal(2);
  });

  it('keeps serving when a worker is killed, and restarts it (logged)', async () => {
    const victim = servedBy(program!).find((line) => line.worker === 1)?.pid as number;
    expect(alive(victim)).to.equal(true);
    process.kill(victim, 'SIGKILL');
    // A connection handed to the worker in the instant it died is lost with it (as with any
    // crash); once the primary knows, the survivor takes every connection.
    await eventually(
      async () => logLines(program!).some((line) => line.msg === 'worker exited; restarting it'),
      'the primary saw worker 1 exit',
    );
    for (let i = 0; i < 5; i += 1) expect((await client.get('/api/v1/fleet')).status).to.equal(200);
    await eventually(
      async () => logLines(program!).some((line) => line.msg === 'worker restarted' && line.worker === 1),
      'worker 1 restarted',
    );
    const exited = logLines(program!).find((line) => line.msg === 'worker exited; restarting it');
    expect(exited).to.include({ worker: 1, pid: victim, signal: 'SIGKILL' });
    await eventually(async () => {
      expect((await client.get('/api/v1/fleet')).status).to.equal(200);
      return servedBy(program!).some((line) => line.worker === 1 && line.pid !== victim);
    }, 'the new worker 1 serves');
  });

  it('fails a start whose workers cannot listen, and keeps no credential it generated', async () => {
    const other = await mkdtemp(join(tmpdir(), 'fuota-workers-'));
    try {
      const { FUOTA_PASSWORD: _password, FUOTA_USERNAME: _username, ...env } = programEnv(other);
      // The running program's port: both workers fail to listen. The primary waited forever
      // (found by a review), and the password it generated was kept, never shown.
      const { code, output } = await runProgram(
        { ...env, FUOTA_PORT: String(program!.port), FUOTA_WORKERS: '2', FUOTA_DATABASE_URL: database!.url },
        ['serve'],
      );
      expect(code, output).to.equal(1);
      expect(output)
        .to.match(/worker \d stopped during start-up \(exit code 2\)/)
        .and.match(/already in use/);
      expect(output).to.not.match(/password:/);
      expect(await readdir(other)).to.not.include('credential.json');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const pids = [...new Set(servedBy(program!).map((line) => line.pid as number))];
    expect(await program!.stop('SIGTERM')).to.equal(0);
    const lines = logLines(program!);
    expect(lines.filter((line) => line.msg === 'worker stopped').length).to.be.at.least(2);
    expect(lines.at(-1)).to.include({ msg: 'stopped' });
    for (const pid of pids) expect(alive(pid), `worker ${pid} gone`).to.equal(false);
  });
});

describe('program: FUOTA_WORKERS stopped while its workers start', function () {
  this.timeout(60_000);
  it('stops them on SIGTERM, exits 0 and keeps no credential it generated', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fuota-workers-'));
    // A database that hangs: the workers' start waits for it (5 s) and then fails.
    const database = await startSilentTcpServer();
    try {
      const { FUOTA_PASSWORD: _password, FUOTA_USERNAME: _username, ...env } = programEnv(dataDir);
      // Before: the primary waited for the workers' start to fail and exited 1 with it.
      const ended = await signalledStart(
        { ...env, FUOTA_WORKERS: '2', FUOTA_DATABASE_URL: `postgres://fuota@127.0.0.1:${database.port}/fuota` },
        database.connected,
      );
      expect({ code: ended.code, signal: ended.signal }, ended.output).to.deep.equal({ code: 0, signal: null });
      expect(ended.output).to.match(/"msg":"stopping before the start finished"/);
      expect(ended.output).to.not.match(/password:|stopped during start-up/);
      expect(await readdir(dataDir)).to.not.include('credential.json');
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('program: FUOTA_WORKERS on the embedded database', () => {
  it('refuses to start: exit 2, one line naming FUOTA_WORKERS and why', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fuota-workers-'));
    try {
      const { code, output } = await runProgram({ ...programEnv(dataDir), FUOTA_WORKERS: '2' }, ['serve']);
      expect(code).to.equal(2);
      expect(output.trim().split('\n')).to.deep.equal([
        "fuota: configuration error: FUOTA_WORKERS: FUOTA_WORKERS=2 needs shared storage (FUOTA_DATABASE_URL): the embedded database in the data dir is one process's, so worker processes cannot share it",
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
