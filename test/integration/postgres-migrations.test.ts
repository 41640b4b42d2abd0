import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import pg from 'pg';
import { type Migration, MIGRATIONS, SchemaRefused } from '../../src/adapters/outbound/postgres/migrations.js';
import { PostgresDatabase, PostgresUnavailable } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { PostgresRolloutStore } from '../../src/adapters/outbound/postgres/postgres-rollout-store.js';
import { PostgresUpdateAttemptStore } from '../../src/adapters/outbound/postgres/postgres-update-attempt-store.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../support/postgres.js';
import { storedRollout } from '../contract/rollout-store.contract.js';

/** The code's migrations' versions, and the one after its last. */
const VERSIONS = MIGRATIONS.map((migration) => migration.version);
const NEXT = MIGRATIONS.length + 1;

/** One more migration for the tests, slow enough that concurrent runners overlap in it. */
const SLOW_NEXT: Migration = {
  version: NEXT,
  name: 'slow_next',
  statements: ['SELECT pg_sleep(0.3)', 'CREATE TABLE next_table (x integer)'],
};

describe('PostgreSQL schema migrations', () => {
  let databases: TestDatabase[] = [];
  let opened: PostgresDatabase[] = [];

  before(async function () {
    await requirePostgres(this);
  });
  afterEach(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await Promise.all(databases.map((database) => database.drop()));
    databases = [];
    opened = [];
  });

  async function emptyDatabase(): Promise<string> {
    const database = await createTestDatabase();
    databases.push(database);
    return database.url;
  }

  async function open(url: string, migrations: readonly Migration[] = MIGRATIONS): Promise<PostgresDatabase> {
    const database = await PostgresDatabase.open(url, { poolSize: 2, migrations });
    opened.push(database);
    return database;
  }

  /** Statements on one connection of its own, outside the code under test. */
  async function sql<Row extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  const recorded = (url: string) =>
    sql<{ version: number; name: string; applied_at: Date }>(
      url,
      'SELECT version, name, applied_at FROM fuota_schema_migrations ORDER BY version',
    );

  it("numbers the code's migrations 1, 2, 3... with a name each", () => {
    expect(MIGRATIONS.map((migration) => migration.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    for (const migration of MIGRATIONS) expect(migration.name).to.match(/^[a-z0-9_]+$/);
  });

  it('brings an empty database to the latest version, recording each migration', async () => {
    const url = await emptyDatabase();
    const database = await open(url);
    expect(database.migrated).to.deep.equal(MIGRATIONS.map((migration) => migration.version));
    const rows = await recorded(url);
    expect(rows.map(({ version, name }) => ({ version, name }))).to.deep.equal([
      { version: 1, name: 'device_app' },
      { version: 2, name: 'device_credential' },
      { version: 3, name: 'update_file' },
      { version: 4, name: 'penalty_clearance' },
      { version: 5, name: 'rollout' },
      { version: 6, name: 'audit_record' },
      { version: 7, name: 'device_inventory' },
      { version: 8, name: 'update_attempt' },
      { version: 9, name: 'fleet_event' },
      { version: 10, name: 'device_inventory_last_seen' },
      { version: 11, name: 'trusted_key' },
      { version: 12, name: 'update_attempt_rollout_load' },
      { version: 13, name: 'operator_session' },
      { version: 14, name: 'update_attempt_delivery' },
      { version: 15, name: 'update_attempt_offer_address' },
      { version: 16, name: 'rollout_halt_resumed_at' },
      { version: 17, name: 'rollout_resumed_at_written' },
    ]);
    expect(rows[0]?.applied_at).to.be.instanceOf(Date);
    const columns = await sql<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      collation_name: string | null;
    }>(
      url,
      "SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns WHERE table_name = 'device_app' ORDER BY ordinal_position",
    );
    expect(columns).to.deep.equal([
      { column_name: 'device_id', data_type: 'text', is_nullable: 'NO', collation_name: 'C' },
      { column_name: 'app_ver', data_type: 'text', is_nullable: 'NO', collation_name: null },
      { column_name: 'update_file_path', data_type: 'text', is_nullable: 'NO', collation_name: null },
    ]);
    const indexes = await sql<{ indexdef: string }>(
      url,
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'device_app' ORDER BY indexname",
    );
    expect(indexes.map((index) => index.indexdef).join('\n')).to.include('(update_file_path)');
  });

  it('does nothing when run again on a database at the latest version', async () => {
    const url = await emptyDatabase();
    await (await open(url)).close();
    const before = await recorded(url);
    const again = await open(url);
    expect(again.migrated).to.deep.equal([]);
    expect(await recorded(url)).to.deep.equal(before);
  });

  it('applies only the migrations a database at an earlier version lacks', async () => {
    const url = await emptyDatabase();
    await (await open(url, MIGRATIONS)).close();
    const later = await open(url, [...MIGRATIONS, SLOW_NEXT]);
    expect(later.migrated).to.deep.equal([NEXT]);
    expect((await recorded(url)).map((row) => row.version)).to.deep.equal([...VERSIONS, NEXT]);
  });

  it("brings a database at each earlier version of the code's to the latest", async () => {
    for (let at = 1; at < MIGRATIONS.length; at += 1) {
      const url = await emptyDatabase();
      await (await open(url, MIGRATIONS.slice(0, at))).close();
      expect((await open(url)).migrated, `from version ${at}`).to.deep.equal(VERSIONS.slice(at));
      expect((await recorded(url)).map((row) => row.version)).to.deep.equal(VERSIONS);
    }
  });

  it('migrations 14 and 15 read attempts stored before them as full offers (downloaded as full when downloaded), with no offer address', async () => {
    const url = await emptyDatabase();
    await (await open(url, MIGRATIONS.slice(0, 13))).close();
    const insert =
      'INSERT INTO update_attempt (id, device_id, file, file_size, version, from_version, state, offered_at, ' +
      'updated_at, attribution, downloads, served, provisional_at, polls_since_provisional, downloaded_at) ' +
      "VALUES ($1, $2, 'fw.bin', 100, '2.0', '1.0', $3, 1, 2, $4, $5, $6::jsonb, NULL, 0, NULL)";
    await sql(url, insert, ['000000000000001-a', 'a', 'offered', null, 0, '[]']);
    await sql(url, insert, ['000000000000002-b', 'b', 'downloaded', 'direct', 1, '[[0,100]]']);
    const database = await open(url, MIGRATIONS.slice(0, 15));
    expect(database.migrated).to.deep.equal([14, 15]);
    const store = new PostgresUpdateAttemptStore(database);
    const [a] = await store.forDevice('a' as DeviceId, 1);
    const [b] = await store.forDevice('b' as DeviceId, 1);
    expect(a).to.include({ offeredAs: 'full', downloadedAs: null, patchSize: null, patchId: null, offerAddress: null });
    expect(b).to.include({ offeredAs: 'full', downloadedAs: 'full', patchSize: null, patchId: null });
    // A patch offer names its patch; a full offer names none; and a form is one of the two.
    const bad = [
      "UPDATE update_attempt SET offered_as = 'patch' WHERE device_id = 'a'",
      "UPDATE update_attempt SET patch_id = 'x', patch_size = 10 WHERE device_id = 'a'",
      "UPDATE update_attempt SET downloaded_as = 'half' WHERE device_id = 'b'",
    ];
    for (const statement of bad) {
      let refused: unknown;
      await sql(url, statement).catch((error: unknown) => (refused = error));
      expect(refused, statement).to.be.instanceOf(Error);
    }
    await sql(
      url,
      "UPDATE update_attempt SET offered_as = 'patch', patch_id = 'x', patch_size = 10 WHERE device_id = 'a'",
    );
    expect((await store.forDevice('a' as DeviceId, 1))[0]).to.include({
      offeredAs: 'patch',
      patchSize: 10,
      patchId: 'x',
    });
  });

  it('migration 16 reads a rollout stored before it as counting its failures from its last resume', async () => {
    const url = await emptyDatabase();
    await (await open(url, MIGRATIONS.slice(0, 15))).close();
    await sql(
      url,
      'INSERT INTO rollout (id, definition, state, wave, created_at, updated_at, started_at, wave_started_at, ' +
        "resumed_at, halt_reason, ended_at) VALUES ('r-1', $1::jsonb, 'running', 0, 1, 5, 2, 2, 4, NULL, NULL)",
      [JSON.stringify(storedRollout('r-1').definition)],
    );
    const database = await open(url);
    expect(database.migrated).to.deep.equal([16, 17]);
    const [read] = await new PostgresRolloutStore(database).list();
    expect(read).to.include({ resumedAt: 4, haltResumedAt: 4, waveStartedAt: 2 });
  });

  it('applies each migration once when several processes start at the same moment', async () => {
    const url = await emptyDatabase();
    const runners = await Promise.all(Array.from({ length: 6 }, () => open(url, [...MIGRATIONS, SLOW_NEXT])));
    const applied = runners.flatMap((runner) => runner.migrated).sort((a, b) => a - b);
    expect(applied).to.deep.equal([...VERSIONS, NEXT]);
    expect((await recorded(url)).map((row) => row.version)).to.deep.equal([...VERSIONS, NEXT]);
  });

  it('refuses a database at a newer version than the code knows, changing nothing', async () => {
    const url = await emptyDatabase();
    await (await open(url)).close();
    await sql(url, "INSERT INTO fuota_schema_migrations (version, name) VALUES (99, 'from_the_future')");
    const failure = await open(url).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(SchemaRefused);
    expect((failure as Error).message)
      .to.include('schema version 99')
      .and.to.include(`newer than this fuota knows (${MIGRATIONS.length})`);
    expect((await recorded(url)).map((row) => row.version)).to.deep.equal([...VERSIONS, 99]);
  });

  it('refuses a database whose recorded migration has another name', async () => {
    const url = await emptyDatabase();
    await (await open(url)).close();
    await sql(url, "UPDATE fuota_schema_migrations SET name = 'something_else' WHERE version = 1");
    const failure = await open(url).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(SchemaRefused).with.property('message').that.includes('"something_else"');
  });

  it('leaves no trace of a migration that fails part-way', async () => {
    const url = await emptyDatabase();
    const broken: Migration = {
      version: NEXT,
      name: 'broken',
      statements: ['CREATE TABLE half_done (x integer)', 'SELECT no_such_function()'],
    };
    const failure = await open(url, [...MIGRATIONS, broken]).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('no_such_function');
    // One transaction for the whole run: the earlier migrations are not recorded either, and can run again.
    expect(await sql(url, "SELECT to_regclass('half_done') AS t")).to.deep.equal([{ t: null }]);
    expect(await sql(url, "SELECT to_regclass('fuota_schema_migrations') AS t")).to.deep.equal([{ t: null }]);
    expect((await open(url)).migrated).to.deep.equal(VERSIONS);
  });

  it('refuses a list of migrations with a gap (a mistake in the code)', async () => {
    const url = await emptyDatabase();
    const failure = await open(url, [...MIGRATIONS, { ...SLOW_NEXT, version: NEXT + 1 }]).catch(
      (error: Error) => error,
    );
    expect(failure)
      .to.be.instanceOf(Error)
      .with.property('message')
      .that.includes(`numbered ${NEXT + 1}`);
  });

  it('names the database in the error when it does not exist', async () => {
    const url = await emptyDatabase();
    const missing = url.replace(/fuota_test_[0-9a-f]+/, 'fuota_test_missing');
    const failure = await open(missing).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('cannot open the database at');
    expect((failure as Error).message)
      .to.include('/fuota_test_missing')
      .and.to.include('does not exist');
  });

  it('refuses a database whose sessions commit asynchronously', async () => {
    const url = await emptyDatabase();
    const name = new URL(url).pathname.slice(1);
    await sql(url, `ALTER DATABASE ${name} SET synchronous_commit = off`);
    const failure = await open(url).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('synchronous_commit = off');
  });
});

describe('PostgreSQL unreachable', () => {
  it('fails at once with a clear error when nothing listens', async () => {
    const started = Date.now();
    const failure = await PostgresDatabase.open('postgresql://fuota:secret@127.0.0.1:1/fuota', {
      connectTimeoutMs: 2000,
    }).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(PostgresUnavailable);
    expect((failure as Error).message).to.include('PostgreSQL at 127.0.0.1:1/fuota is unreachable');
    expect((failure as Error).message).not.to.include('secret');
    expect(Date.now() - started).to.be.below(2000);
  });

  it('fails after the connection timeout, not a hang, when the server never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const failure = await PostgresDatabase.open(`postgresql://fuota@127.0.0.1:${port}/fuota`, {
        connectTimeoutMs: 300,
      }).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(PostgresUnavailable).with.property('message').that.includes('unreachable');
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });
});
