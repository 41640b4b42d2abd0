import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { PostgresAuditLog } from '../../src/adapters/outbound/postgres/postgres-audit-log.js';
import { PostgresDeviceCredentialStore } from '../../src/adapters/outbound/postgres/postgres-device-credential-store.js';
import { PostgresFleetEventLog } from '../../src/adapters/outbound/postgres/postgres-fleet-event-log.js';
import {
  everyRecord,
  recordContent,
  type SeqLog,
  withoutSeq as seqless,
} from '../../src/app/use-cases/migration-log-tail.js';
import type { AppVersion } from '../../src/domain/app-version.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { DeviceCredential } from '../../src/ports/device-credential-store.port.js';
import { openEmbeddedDatabase } from '../../src/main/bootstrap/embedded-database.js';
import type { HttpsTestClient } from '../support/https-client.js';
import { MAIN, programClient, programEnv, runProgram, startProgram } from '../support/started-program.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';

/**
 * What the server answers of its state: compared before and after the migration. (Reading it
 * changes nothing; a download would, as it is an event of the device's attempt.)
 */
interface Answers {
  readonly rows: string;
  readonly inventory: string[];
  readonly events: unknown[];
  readonly audit: Array<Record<string, unknown>>;
  readonly rollouts: unknown[];
  readonly signingKeys: unknown[];
}

const json = <T>(text: string): T => JSON.parse(text) as T;
const withoutSeq = (items: Array<Record<string, unknown>>) => items.map(({ seq: _seq, ...rest }) => rest);

/** A credential provisioned with no trace elsewhere (its audit record pruned, say): only `list()` finds it. */
function ghostCredential(id: string): DeviceCredential {
  return {
    deviceId: id as DeviceId,
    secretHash: `scrypt$16384$8$1$c2FsdA$${id}`,
    createdAt: '2026-01-02T03:04:05.000Z',
  };
}

/** A log's records in order, by content (their numbers are the store's own). */
async function contents<R extends { readonly seq: number }>(log: SeqLog<R>): Promise<string[]> {
  const all: string[] = [];
  for await (const record of everyRecord(log)) all.push(recordContent(seqless(record)));
  return all;
}

async function listed<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * Every row of every table of the database at `url`, by table, in a stable order: what a refused
 * migration must leave as it was.
 */
async function snapshot(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    const all: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      all[name] = rows.rows.map(({ row }) => row).sort();
    }
    return all;
  } finally {
    await client.end();
  }
}

/** The per-table lines of a migration's check that say ok. */
const okCounts = (output: string) => output.split('\n').filter((line) => /^\w+\s+\d+\s+\d+\s+ok$/.test(line));

async function answers(client: HttpsTestClient): Promise<Answers> {
  const devices = json<{ items: Array<{ id: string }> }>((await client.get('/api/v1/devices')).text);
  const events = json<{ items: Array<Record<string, unknown>> }>((await client.get('/api/v1/events?limit=1000')).text);
  const audit = json<{ items: Array<Record<string, unknown>> }>((await client.get('/api/v1/audit?limit=1000')).text);
  const rollouts = json<{ items: Array<Record<string, unknown>> }>((await client.get('/api/v1/rollouts')).text);
  return {
    rows: (await client.get('/devices')).text,
    inventory: devices.items.map((device) => device.id),
    events: withoutSeq(events.items),
    audit: withoutSeq(audit.items),
    rollouts: rollouts.items.map(({ id, name, file, state }) => ({ id, name, file, state })),
    signingKeys: json<unknown[]>((await client.get('/api/v1/signing-keys')).text),
  };
}

/** `fuota-server migrate-storage` (issue 19): an embedded data dir into PostgreSQL and a bucket. */
describe('e2e: migrating an embedded data dir into PostgreSQL and an S3-compatible store', function () {
  let dir: string;
  let s3: TestS3Server | undefined;
  let database: TestDatabase | undefined;
  let before_: Answers;
  let deviceSecret: string;
  const firmware = buildEspImage({ version: '1.1', segmentLengths: [150_000, 150_000] });
  const blob = buildEspImage({ version: '2.0', seed: 2 });

  const embeddedEnv = () => programEnv(join(dir, 'data'));
  const s3Env = () => ({
    FUOTA_S3_ENDPOINT: s3!.endpoint,
    FUOTA_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const sharedEnv = () => ({
    ...embeddedEnv(),
    ...s3Env(),
    FUOTA_DATABASE_URL: database!.url,
    FUOTA_BLOB_URL: `s3://${s3!.bucket}/x`,
  });
  const migrate = () =>
    runProgram({ ...embeddedEnv(), ...s3Env() }, [
      'migrate-storage',
      '--to',
      database!.url,
      '--blobs',
      `s3://${s3!.bucket}/x`,
    ]);

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fuota-migrate-'));
    const program = await startProgram(embeddedEnv());
    try {
      const client = await programClient(program, join(dir, 'data'));
      expect((await client.put('/files/app-1.1.bin', firmware, 'application/octet-stream')).status).to.equal(200);
      expect((await client.put('/files/tools/blob.bin', blob, 'application/octet-stream')).status).to.equal(200);
      for (const id of ['dev-1', 'dev-2'])
        expect((await client.put(`/devices/${id}`, `"${id}","1.0","app-1.1.bin"`, 'text/csv')).status).to.equal(200);
      const provisioned = await client.send('/api/v1/devices/dev-1/credentials', { method: 'POST' });
      expect(provisioned.status, provisioned.text).to.equal(201);
      deviceSecret = json<{ password: string }>(provisioned.text).password;
      // Devices check: inventory entries, update attempts (an offer) and events.
      const own = { auth: { username: 'dev-1', password: deviceSecret } };
      expect((await client.get('/devices/dev-1?app_ver=1.0', own)).text).to.equal('app-1.1.bin');
      expect((await client.get('/devices/dev-2?app_ver=1.0')).status).to.equal(200);
      expect((await client.get('/devices/lamp-9?app_ver=3.0')).status).to.equal(404);
      const rollout = await client.send('/api/v1/rollouts', {
        method: 'POST',
        body: JSON.stringify({ name: 'app 1.1', file: 'app-1.1.bin' }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(rollout.status, rollout.text).to.equal(201);
    } finally {
      await program.stop();
    }
    const embedded = await openEmbeddedDatabase(join(dir, 'data', 'devices.db'));
    await embedded.deviceCredentials.put(ghostCredential('ghost-7'));
    // A trusted key added through the API (added here, so that the uploads above were not refused).
    await embedded.trustedKeys.put({
      keyDigest: 'c0'.repeat(32),
      scheme: 'ECDSA-P256',
      name: 'release',
      source: 'api',
      addedAt: '2026-11-28T10:00:00.000Z',
    });
    await embedded.close();
    // Read once everything the server wrote behind its answers (polls in batches) is in the data dir.
    const restarted = await startProgram(embeddedEnv());
    try {
      before_ = await answers(await programClient(restarted, join(dir, 'data')));
    } finally {
      await restarted.stop();
    }
    expect(before_.inventory).to.have.members(['dev-1', 'dev-2', 'lamp-9']);
    expect(before_.events.length).to.be.greaterThan(2);
  });

  after(async () => {
    await database?.drop();
    await s3?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('names the option when --to is not a PostgreSQL URL (exit 2)', async () => {
    const bad = await runProgram(embeddedEnv(), ['migrate-storage', '--to', 'mysql://db/fleet']);
    expect(bad.code, bad.output).to.equal(2);
    expect(bad.output).to.include('--to').and.include('PostgreSQL URL');
    const badBlobs = await runProgram(embeddedEnv(), ['migrate-storage', '--to', database!.url, '--blobs', 'x']);
    expect(badBlobs.code, badBlobs.output).to.equal(2);
    expect(badBlobs.output).to.include('--blobs');
  });

  it('without --blobs, refuses FUOTA_S3_* settings naming --blobs (exit 2)', async () => {
    for (const setting of ['FUOTA_S3_ENDPOINT', 'FUOTA_S3_REGION', 'FUOTA_S3_PATH_STYLE']) {
      const env = { ...embeddedEnv(), ...s3Env(), FUOTA_S3_REGION: 'eu-west-1' };
      const tablesOnly = await runProgram(
        Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FUOTA_S3_') || name === setting)),
        ['migrate-storage', '--to', database!.url],
      );
      expect(tablesOnly.code, tablesOnly.output).to.equal(2);
      expect(tablesOnly.output)
        .to.include(`${setting} is set but --blobs is not`)
        .and.include('--blobs s3://bucket/prefix')
        .and.include(`unset ${setting}`)
        .and.not.include('FUOTA_BLOB_URL');
    }
    // Nothing was migrated.
    expect(await snapshot(database!.url)).to.deep.equal({});
  });

  it('refuses while a server holds the data dir (exit 1), copying nothing', async () => {
    const program = await startProgram(embeddedEnv());
    try {
      const attempt = await migrate();
      expect(attempt.code, attempt.output).to.equal(1);
      expect(attempt.output).to.match(/in use by another fuota process/);
    } finally {
      await program.stop();
    }
  });

  it('copies everything, verifies it, reruns to the same target, and a server on the shared storage answers as before', async () => {
    const migrated = await migrate();
    expect(migrated.code, migrated.output).to.equal(0);
    expect(migrated.output)
      .to.match(/^files\s+2\s+2\s+ok$/m)
      .and.match(/^devices\s+2\s+2\s+ok$/m);
    expect(migrated.output)
      .to.match(/^deviceCredentials\s+2\s+2\s+ok$/m)
      .and.match(/^rollouts\s+1\s+1\s+ok$/m)
      .and.match(/^trustedKeys\s+1\s+1\s+ok$/m);
    expect(migrated.output).to.not.include('DIFFERS');
    // Again: the same counts, the files kept, the logs not appended twice.
    const again = await migrate();
    expect(again.code, again.output).to.equal(0);
    expect(okCounts(again.output)).to.deep.equal(okCounts(migrated.output)).and.have.length(11);
    expect(again.output).to.match(/"copied":0,"alreadyThere":2/);

    const program = await startProgram(sharedEnv());
    try {
      const client = await programClient(program, join(dir, 'data'));
      const after_ = await answers(client);
      expect(after_.rows).to.equal(before_.rows);
      expect(after_.inventory).to.have.members(before_.inventory);
      expect(after_.events).to.deep.equal(before_.events);
      expect(after_.rollouts).to.deep.equal(before_.rollouts);
      expect(after_.signingKeys).to.deep.equal(before_.signingKeys).and.have.length(1);
      // The earlier records, then one record of each run.
      expect(after_.audit.slice(0, -2)).to.deep.equal(before_.audit);
      for (const record of after_.audit.slice(-2)) {
        expect(record).to.deep.include({
          actor: 'local:migrate-storage',
          address: null,
          action: 'storage.migrate',
          target: join(dir, 'data'),
        });
        // Where the files went, and how many there were (the count took `files`' place; a review).
        const detail = (record as { detail: Record<string, unknown> }).detail;
        expect(detail.files).to.equal(`s3://${s3!.bucket}/x`);
        expect(detail.storedFiles).to.be.a('number').and.at.least(2);
      }
      expect((await client.get('/files/app-1.1.bin')).body.equals(firmware)).to.equal(true);
      expect((await client.get('/files/tools/blob.bin')).body.equals(blob)).to.equal(true);
      // The device's own credential still authenticates it.
      const own = { auth: { username: 'dev-1', password: deviceSecret } };
      expect((await client.get('/devices/dev-1?app_ver=1.0', own)).text).to.equal('app-1.1.bin');
      const wrong = { auth: { username: 'dev-1', password: 'wrong' } };
      expect((await client.get('/devices/dev-1?app_ver=1.0', wrong)).status).to.be.oneOf([401, 403]);
      const credentials = await PostgresDeviceCredentialStore.open(database!.url, { poolSize: 1 });
      expect(await credentials.get('ghost-7' as DeviceId)).to.deep.equal(ghostCredential('ghost-7'));
      await credentials.close();
      // A server on the target changes it: a later run would mix the two, and refuses.
      expect((await client.put('/devices/dev-3', '"dev-3","1.0","app-1.1.bin"', 'text/csv')).status).to.equal(200);
    } finally {
      await program.stop();
    }
    const late = await migrate();
    expect(late.code, late.output).to.equal(1);
    expect(late.output).to.include('device row dev-3').and.include('nothing was copied');
  });

  it('refuses a rerun onto a target a server has used since, though it wrote no event or audit record, changing nothing', async () => {
    const used = await createTestDatabase();
    try {
      const migrate = () => runProgram(embeddedEnv(), ['migrate-storage', '--to', used.url]);
      const migrated = await migrate();
      expect(migrated.code, migrated.output).to.equal(0);
      // A rerun onto a target nothing has used since is a check that passes.
      const again = await migrate();
      expect(again.code, again.output).to.equal(0);
      expect(again.output).to.include('verified');

      // A server on the target: a known device checks 5 times, which writes no event (only its inventory entry changes).
      const program = await startProgram({ ...embeddedEnv(), FUOTA_DATABASE_URL: used.url });
      let pollsThen: number;
      try {
        const client = await programClient(program, join(dir, 'data'));
        const polls = async () => json<{ polls: number }>((await client.get('/api/v1/devices/lamp-9')).text).polls;
        const before = await answers(client);
        pollsThen = await polls();
        for (let check = 0; check < 5; check++)
          expect((await client.get('/devices/lamp-9?app_ver=3.0')).status).to.equal(404);
        const after = await answers(client);
        expect(after.events, 'the checks wrote no event').to.deep.equal(before.events);
        expect(after.audit, 'the checks wrote no audit record').to.deep.equal(before.audit);
        expect(await polls()).to.equal(pollsThen + 5);
      } finally {
        await program.stop();
      }
      const then = await snapshot(used.url);

      const late = await migrate();
      expect(late.code, late.output).to.equal(1);
      expect(late.output).to.not.include('verified');
      expect(late.output)
        .to.include('inventory entry lamp-9')
        .and.include(`polls ${pollsThen + 5} in the target, ${pollsThen} in the data dir`)
        .and.include('nothing was copied')
        .and.include('holds the live state: keep it')
        .and.include('migrate into an empty database');
      expect(await snapshot(used.url), 'the refused run changed nothing').to.deep.equal(then);
    } finally {
      await used.drop();
    }
  });

  it('without --blobs moves the tables only, and a server on PostgreSQL serves the files from the data dir', async () => {
    const tablesOnly = await createTestDatabase();
    try {
      const migrated = await runProgram(embeddedEnv(), ['migrate-storage', '--to', tablesOnly.url]);
      expect(migrated.code, migrated.output).to.equal(0);
      expect(migrated.output).to.include('update files stay in the data dir');
      expect(migrated.output)
        .to.match(/^files\s+2\s+2\s+ok$/m)
        .and.match(/^catalog\s+2\s+2\s+ok$/m)
        .and.match(/^deviceCredentials\s+2\s+2\s+ok$/m);
      expect(okCounts(migrated.output)).to.have.length(11);

      // FUOTA_DATABASE_URL alone: the tables in PostgreSQL, the files in the data dir's files/.
      const program = await startProgram({ ...embeddedEnv(), FUOTA_DATABASE_URL: tablesOnly.url });
      try {
        const client = await programClient(program, join(dir, 'data'));
        const after_ = await answers(client);
        expect(after_.rows).to.equal(before_.rows);
        expect(after_.events).to.deep.equal(before_.events);
        expect(after_.audit.slice(0, -1)).to.deep.equal(before_.audit);
        expect((await client.get('/files/app-1.1.bin')).body.equals(firmware)).to.equal(true);
        expect((await client.get('/files/tools/blob.bin')).body.equals(blob)).to.equal(true);
        const own = { auth: { username: 'dev-1', password: deviceSecret } };
        expect((await client.get('/devices/dev-1?app_ver=1.0', own)).text).to.equal('app-1.1.bin');
      } finally {
        await program.stop();
      }
    } finally {
      await tablesOnly.drop();
    }
  });
});

/** A migration SIGKILLed while it copies, then run again: it resumes, duplicating nothing. */
describe('e2e: a migration killed midway, then rerun', function () {
  let dir: string;
  let s3: TestS3Server | undefined;
  let database: TestDatabase | undefined;
  const firmware = buildEspImage({ version: '1.1', segmentLengths: [150_000, 150_000] });
  // Enough rows that each log takes many batches (500 rows each) to copy: a kill lands mid-log.
  const DEVICES = 10_000;
  const EVENTS = 20_000;
  const AUDIT = 10_000;
  const GHOSTS = 200;

  const dataDir = () => join(dir, 'data');
  const env = () => ({
    ...programEnv(dataDir()),
    FUOTA_S3_ENDPOINT: s3!.endpoint,
    FUOTA_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const args = () => ['migrate-storage', '--to', database!.url, '--blobs', `s3://${s3!.bucket}/killed`];

  /** How many rows `table` of the target holds (0 before the migration created it). */
  async function rowsIn(table: 'fleet_event' | 'audit_record'): Promise<number> {
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    } catch {
      return 0;
    } finally {
      await client.end();
    }
  }

  /**
   * Starts the migration (not with runProgram: a run over this much data may need more than its
   * 20 s on a busy machine); `done` resolves with its exit code and output.
   */
  function startMigration() {
    const child = spawn(process.execPath, [MAIN, ...args()], { env: { PATH: process.env.PATH ?? '', ...env() } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    const done = new Promise<{ code: number | null; output: string }>((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      }),
    );
    return { child, output: () => output, done };
  }

  const migration = () => startMigration().done;

  /** Runs the migration and SIGKILLs it as soon as `table` holds a row; resolves with the rows then. */
  async function killedOnceCopying(table: 'fleet_event' | 'audit_record'): Promise<number> {
    const { child, output, done } = startMigration();
    const deadline = Date.now() + 60_000;
    while ((await rowsIn(table)) === 0) {
      if (child.exitCode !== null) throw new Error(`the migration ended before it was killed:\n${output()}`);
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    await done;
    expect(child.signalCode, output()).to.equal('SIGKILL');
    return rowsIn(table);
  }

  before(async function () {
    await requirePostgres(this);
    s3 = await requireS3Server(this);
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'fuota-migrate-killed-'));
    const program = await startProgram(programEnv(dataDir()));
    try {
      const client = await programClient(program, dataDir());
      expect((await client.put('/files/app-1.1.bin', firmware, 'application/octet-stream')).status).to.equal(200);
    } finally {
      await program.stop();
    }
    // Written straight into the stopped server's database: far faster than through its API.
    const embedded = await openEmbeddedDatabase(join(dataDir(), 'devices.db'));
    try {
      const ids = Array.from({ length: DEVICES }, (_, i) => `dev-${String(i).padStart(5, '0')}` as DeviceId);
      for (let start = 0; start < DEVICES; start += 5000)
        await embedded.devices.upsertMany(
          ids.slice(start, start + 5000).map((deviceId) => ({
            deviceId,
            appVersion: '1.0' as AppVersion,
            updateFilePath: 'app-1.1.bin' as UpdateFilePath,
          })),
        );
      for (let start = 0; start < EVENTS; start += 5000)
        await embedded.events.append(
          Array.from({ length: 5000 }, (_, i) => ({
            at: 1_700_000_000_000 + start + i,
            deviceId: ids[(start + i) % DEVICES]!,
            type: 'first-seen' as const,
            detail: { n: start + i },
          })),
        );
      for (let start = 0; start < AUDIT; start += 5000)
        await embedded.audit.append(
          Array.from({ length: 5000 }, (_, i) => ({
            at: 1_700_000_000_000 + start + i,
            actor: 'ops',
            address: '127.0.0.1',
            action: 'device-row.put' as const,
            target: ids[(start + i) % DEVICES]!,
            detail: { n: start + i },
            requestId: `req-${start + i}`,
          })),
        );
      await Promise.all(
        Array.from({ length: GHOSTS }, (_, i) => embedded.deviceCredentials.put(ghostCredential(`ghost-${i}`))),
      );
    } finally {
      await embedded.close();
    }
  });

  after(async () => {
    await database?.drop();
    await s3?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('resumes after a SIGKILL in each log: verified, nothing duplicated, and the target serves', async () => {
    const eventsThen = await killedOnceCopying('fleet_event');
    expect(eventsThen, 'killed while it copied the events').to.be.greaterThan(0).and.lessThan(EVENTS);
    const auditThen = await killedOnceCopying('audit_record');
    expect(auditThen, 'killed while it copied the audit records').to.be.greaterThan(0).and.lessThan(AUDIT);

    const rerun = await migration();
    expect(rerun.code, rerun.output).to.equal(0);
    expect(rerun.output).to.not.include('DIFFERS');
    expect(okCounts(rerun.output)).to.have.length(11);
    // The logs resumed after what the killed runs had committed.
    expect(rerun.output).to.include(`"appended":0,"alreadyThere":${EVENTS}`);
    expect(rerun.output).to.include(`"alreadyThere":${auditThen},"msg":"audit records copied"`);
    expect(rerun.output)
      .to.match(new RegExp(`^devices\\s+${DEVICES}\\s+${DEVICES}\\s+ok$`, 'm'))
      .and.match(new RegExp(`^deviceCredentials\\s+${GHOSTS}\\s+${GHOSTS}\\s+ok$`, 'm'));

    // By content, in order: each source record once, then the one run that completed's own record.
    const source = await openEmbeddedDatabase(join(dataDir(), 'devices.db'));
    const events = await PostgresFleetEventLog.open(database!.url, { poolSize: 1 });
    const audit = await PostgresAuditLog.open(database!.url, { poolSize: 1 });
    const credentials = await PostgresDeviceCredentialStore.open(database!.url, { poolSize: 1 });
    try {
      const sourceEvents = await contents(source.events);
      expect(sourceEvents).to.have.length(EVENTS);
      expect(await contents(events)).to.deep.equal(sourceEvents);
      const sourceAudit = await contents(source.audit);
      const targetAudit = await contents(audit);
      expect(targetAudit.slice(0, -1)).to.deep.equal(sourceAudit);
      expect(JSON.parse(targetAudit.at(-1)!)).to.deep.include({ action: 'storage.migrate' });
      expect(await listed(credentials.list())).to.deep.equal(await listed(source.deviceCredentials.list()));
    } finally {
      await Promise.all([source.close(), events.close(), audit.close(), credentials.close()]);
    }

    const program = await startProgram({
      ...env(),
      FUOTA_DATABASE_URL: database!.url,
      FUOTA_BLOB_URL: `s3://${s3!.bucket}/killed`,
    });
    try {
      const client = await programClient(program, dataDir());
      expect((await client.get('/devices/dev-09999?app_ver=1.0')).text).to.equal('app-1.1.bin');
      expect((await client.get('/files/app-1.1.bin')).body.equals(firmware)).to.equal(true);
    } finally {
      await program.stop();
    }
  });
});
