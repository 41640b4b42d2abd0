import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

/*
 * The PostgreSQL adapters' tests run against a real PostgreSQL server (Debian's; .ci/run installs
 * and starts it). Each test file makes its own throwaway database (`fuota_test_<random hex>`) on
 * that server and drops it afterwards, so files running in parallel never see each other's rows.
 */

/** How to get a server on this machine: Debian's cluster, and a superuser role for the OS user. */
export const POSTGRES_HOW_TO =
  'start it with `pg_ctlcluster 15 main start` (see `pg_lsclusters` for the version) and create the role ' +
  '`su postgres -c "createuser --superuser root"` (the OS user running the tests), ' +
  'or point FUOTA_TEST_DATABASE_URL at a server where that user may create databases';

/**
 * The server the tests use, as a URL naming its maintenance database: FUOTA_TEST_DATABASE_URL,
 * or the local Unix socket /var/run/postgresql as the current OS user.
 */
export function serverUrl(): string {
  const configured = process.env.FUOTA_TEST_DATABASE_URL;
  if (configured !== undefined && configured !== '') return configured;
  return `postgresql://${encodeURIComponent(userInfo().username)}@${encodeURIComponent('/var/run/postgresql')}/postgres`;
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The server with its password hidden, for messages. */
function shown(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return decodeURIComponent(parsed.toString());
}

/** Runs statements on the maintenance database, on one short-lived connection. */
async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl(), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let reachable: Promise<string | undefined> | undefined;

/** Why the server cannot be used (unreachable, no such role...), or undefined when it can. */
export function whyUnusable(): Promise<string | undefined> {
  reachable ??= onServer((client) => client.query('SELECT 1')).then(
    () => undefined,
    (error: Error) => `PostgreSQL is not usable at ${shown(serverUrl())} (${error.message})`,
  );
  return reachable;
}

/**
 * Called first in a suite's `before`: skips the suite when PostgreSQL cannot be reached on a
 * developer's machine (saying how to start it); in CI (CI=true) fails instead, so that a broken
 * install step cannot hide the PostgreSQL tests.
 */
export async function requirePostgres(context: Mocha.Context): Promise<void> {
  const problem = await whyUnusable();
  if (problem === undefined) return;
  if (process.env.CI === 'true') throw new Error(`${problem}: .ci/run must start it (${POSTGRES_HOW_TO})`);
  console.warn(`      (skipped: ${problem}: ${POSTGRES_HOW_TO})`);
  context.skip();
}

/** A database of its own on the test server; `drop()` removes it, closing what is still connected. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `fuota_test_<16 random hex digits>`; with `icuLocale`, one
 * whose default collation is that ICU locale's (text sorted as people read it, not by bytes).
 */
export async function createTestDatabase(options: { readonly icuLocale?: string } = {}): Promise<TestDatabase> {
  const name = `fuota_test_${randomBytes(8).toString('hex')}`;
  const collation =
    options.icuLocale === undefined
      ? ''
      : ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale.replace(/[^A-Za-z0-9-]/g, '')}' LOCALE 'C.UTF-8'`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}${collation}`));
  return {
    name,
    url: databaseUrl(serverUrl(), name),
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * For a `describe`: skips it (or fails in CI) without PostgreSQL, otherwise gives it one
 * throwaway database, created before its tests and dropped after them.
 */
export function usePostgresDatabase(): { readonly current: () => TestDatabase } {
  let database: TestDatabase | undefined;
  before(async function () {
    await requirePostgres(this);
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });
  return {
    current: () => {
      if (database === undefined) throw new Error('no test database: is requirePostgres skipping?');
      return database;
    },
  };
}
