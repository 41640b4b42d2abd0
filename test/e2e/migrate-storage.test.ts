import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { HttpsTestClient } from '../support/https-client.js';
import { programClient, programEnv, runProgram, startProgram } from '../support/started-program.js';
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
}

const json = <T>(text: string): T => JSON.parse(text) as T;
const withoutSeq = (items: Array<Record<string, unknown>>) => items.map(({ seq: _seq, ...rest }) => rest);

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
      .to.match(/^deviceCredentials\s+1\s+1\s+ok$/m)
      .and.match(/^rollouts\s+1\s+1\s+ok$/m);
    expect(migrated.output).to.not.include('DIFFERS');
    // Again: the same counts, the files kept, the logs not appended twice.
    const again = await migrate();
    expect(again.code, again.output).to.equal(0);
    const counts = (output: string) => output.split('\n').filter((line) => /^\w+\s+\d+\s+\d+\s+ok$/.test(line));
    expect(counts(again.output)).to.deep.equal(counts(migrated.output)).and.have.length(10);
    expect(again.output).to.match(/"copied":0,"alreadyThere":2/);

    const program = await startProgram(sharedEnv());
    try {
      const client = await programClient(program, join(dir, 'data'));
      const after_ = await answers(client);
      expect(after_.rows).to.equal(before_.rows);
      expect(after_.inventory).to.have.members(before_.inventory);
      expect(after_.events).to.deep.equal(before_.events);
      expect(after_.rollouts).to.deep.equal(before_.rollouts);
      // The earlier records, then one record of each run.
      expect(after_.audit.slice(0, -2)).to.deep.equal(before_.audit);
      for (const record of after_.audit.slice(-2))
        expect(record).to.deep.include({
          actor: 'local:migrate-storage',
          address: null,
          action: 'storage.migrate',
          target: join(dir, 'data'),
        });
      expect((await client.get('/files/app-1.1.bin')).body.equals(firmware)).to.equal(true);
      expect((await client.get('/files/tools/blob.bin')).body.equals(blob)).to.equal(true);
      // The device's own credential still authenticates it.
      const own = { auth: { username: 'dev-1', password: deviceSecret } };
      expect((await client.get('/devices/dev-1?app_ver=1.0', own)).text).to.equal('app-1.1.bin');
      const wrong = { auth: { username: 'dev-1', password: 'wrong' } };
      expect((await client.get('/devices/dev-1?app_ver=1.0', wrong)).status).to.be.oneOf([401, 403]);
      // A server on the target changes it: a later run would mix the two, and refuses.
      expect((await client.put('/devices/dev-3', '"dev-3","1.0","app-1.1.bin"', 'text/csv')).status).to.equal(200);
    } finally {
      await program.stop();
    }
    const late = await migrate();
    expect(late.code, late.output).to.equal(1);
    expect(late.output).to.include('device row dev-3').and.include('nothing was copied');
  });
});
