import pg from 'pg';
import { DomainError } from '../../../domain/domain-error.js';
import type { PoolUsage, StorageObserver } from '../../../ports/storage-observer.port.js';
import { type Migration, MIGRATIONS, migrate, SchemaRefused } from './migrations.js';
import { isConnectionFailure } from './connection-failure.js';
import { describeUrl } from './postgres-url.js';
import { ClosingClient } from './closing-client.js';

/** How a PostgreSQL database is reached. */
export interface PostgresOptions {
  /** Connections kept at most (node-postgres's pool `max`). */
  readonly poolSize?: number;
  /** How long opening one connection may take before the operation fails (ms). */
  readonly connectTimeoutMs?: number;
  /** The migrations to bring the schema to (the code's own by default; tests pass others). */
  readonly migrations?: readonly Migration[];
  /** Hears how long each statement and transaction took (metrics). */
  readonly observer?: StorageObserver;
  /** See DEFAULT_STATEMENT_TIMEOUT_MS (tests shorten it). */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/**
 * How long one statement may go unanswered before it fails as `PostgresUnavailable` and its
 * connection is dropped: a server that hangs (a network partition, a frozen host) must give a
 * 503, not a request that waits until the client gives up, nor a pool of stuck connections.
 * Far above what any statement of fuota takes on a working server.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** What one statement returned: its rows, and how many rows it changed (for writes). */
export interface QueryAnswer<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** Runs statements: the pool (each on any connection) or one transaction's connection. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryAnswer<Row>>;
}

/**
 * PostgreSQL could not be reached (refused, no such socket, timed out, the connection dropped, the
 * server shutting down): the operation may succeed later, unlike an error PostgreSQL answered with
 * (a SQLSTATE code). The `storage-unavailable` domain error: a request it fails is answered 503.
 */
export class PostgresUnavailable extends DomainError {
  constructor(where: string, cause: unknown) {
    super('storage-unavailable', `PostgreSQL at ${where} is unreachable: ${(cause as Error).message ?? String(cause)}`);
    this.cause = cause;
    this.name = 'PostgresUnavailable';
  }
}

/**
 * A pool of connections to one PostgreSQL database, its schema brought up to date at open
 * (see migrations.ts). Every statement takes bound parameters only. A write resolves once
 * PostgreSQL committed it: durable, as the ports promise (a database whose sessions run with
 * `synchronous_commit = off` is refused at open: a commit there may be lost after it answered).
 */
export class PostgresDatabase implements Queryable {
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly pool: pg.Pool,
    /** The server and database, for messages (never the password). */
    readonly where: string,
    private readonly observer: StorageObserver | undefined,
    private readonly poolSize: number,
  ) {}

  /** The migrations this open applied (none when the schema was current). */
  migrated: readonly number[] = [];

  /** Connects to `url` (`postgres://user:password@host:port/database`) and migrates its schema. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const where = describeUrl(url);
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    const pool = new pg.Pool({
      Client: ClosingClient,
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      query_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      // The kernel then notices a peer that vanished (a failover, a cut cable) on idle connections.
      keepAlive: true,
      application_name: 'fuota',
    });
    // An idle connection that dies (a server restart) is reported here; without a listener the
    // process would crash. The pool drops it; the next statement opens a new connection.
    pool.on('error', () => undefined);
    const database = new PostgresDatabase(pool, where, options.observer, poolSize);
    try {
      database.migrated = await database.transaction(async (client) => {
        await refuseAsynchronousCommit(client, where);
        return migrate(client, options.migrations ?? MIGRATIONS, where);
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof PostgresUnavailable || error instanceof SchemaRefused) throw error;
      throw new Error(`cannot open the database at ${where}: ${openFailure((error as Error).message)}`, {
        cause: error,
      });
    }
    return database;
  }

  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<QueryAnswer<Row>> {
    return this.track('query', async () => {
      try {
        // The pool releases the connection with the error, so one that failed or timed out (a
        // statement may still occupy it) is dropped rather than given to the next caller.
        const result = await this.pool.query<Row>(text, values as unknown[]);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw this.explained(error);
      }
    });
  }

  /**
   * Runs `work` in one transaction on one connection: committed when `work` resolves (and the
   * promise resolves only after the commit), rolled back when it throws.
   */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    return this.track('transaction', async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw this.explained(error);
      }
      // The errors of the connection's statements, told apart from those `work` throws itself (a
      // refusal of its own is no outage, whatever its `code`).
      const fromStatements = new WeakSet<object>();
      const statement = async <R>(run: () => Promise<R>): Promise<R> => {
        try {
          return await run();
        } catch (error) {
          if (typeof error === 'object' && error !== null) fromStatements.add(error);
          throw error;
        }
      };
      const queryable: Queryable = {
        query: async <Row extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) => {
          const result = await statement(() => client.query<Row>(text, values as unknown[]));
          return { rows: result.rows, rowCount: result.rowCount ?? 0 };
        },
      };
      let broken: Error | undefined;
      // A connection that dies between two statements reports it here (unheard, it would crash
      // the process); the next statement then fails, and the connection is not reused.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await statement(() => client.query('BEGIN'));
        const result = await work(queryable);
        await statement(() => client.query('COMMIT'));
        return result;
      } catch (error) {
        const ofConnection = typeof error === 'object' && error !== null && fromStatements.has(error);
        if (ofConnection && isConnectionFailure(error)) {
          // Failed or timed out: PostgreSQL rolls back a transaction whose connection goes away.
          broken = error as Error;
        } else {
          await client.query('ROLLBACK').catch((rollback: Error) => {
            broken = rollback; // the connection is unusable: do not give it back to the pool
          });
        }
        throw ofConnection ? this.explained(error) : error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    });
  }

  /**
   * Resolves when the database can be written now: reachable, and not a read-only server (a
   * standby left behind by a failover takes connections but refuses every write).
   */
  async checkHealth(): Promise<void> {
    const { rows } = await this.query<{ readOnly: string }>(
      'SELECT current_setting(\'transaction_read_only\') AS "readOnly"',
    );
    if (rows[0]?.readOnly !== 'off') throw new Error(`the database at ${this.where} is read-only (a standby?)`);
  }

  /** Connections open, idle, and requests waiting for one (for the pool's metrics). */
  get poolUsage(): PoolUsage {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.poolSize,
    };
  }

  /** Waits for the statements under way, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    await this.pool.end();
  }

  private track<T>(kind: 'query' | 'transaction', operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the database at ${this.where} is closed`));
    const started = performance.now();
    const running = operation();
    this.pending.add(running);
    const settled = (failed: boolean) => {
      this.pending.delete(running);
      this.observer?.timed('database', kind, (performance.now() - started) / 1000, failed);
    };
    // Failed means unreachable (what the operator's alert is about), not a statement refused.
    running.then(
      () => settled(false),
      (error: unknown) => settled(error instanceof PostgresUnavailable),
    );
    return running;
  }

  /** A connection-level failure becomes a PostgresUnavailable naming the server; others stay. */
  private explained(error: unknown): unknown {
    if (error instanceof PostgresUnavailable || !isConnectionFailure(error)) return error;
    return new PostgresUnavailable(this.where, error);
  }
}

/** Refuses a database where a commit is acknowledged before it is durable. */
async function refuseAsynchronousCommit(client: Queryable, where: string): Promise<void> {
  const { rows } = await client.query<{ setting: string }>("SELECT current_setting('synchronous_commit') AS setting");
  if (rows[0]?.setting === 'off') {
    throw new Error(
      `the database at ${where} runs with synchronous_commit = off, so an acknowledged write could be lost: ` +
        'set it to on for fuota (ALTER ROLE <user> SET synchronous_commit = on)',
    );
  }
}

/**
 * node-postgres's words for a URL that lacks what the server asks for (its messages speak of
 * its own internals), said in the URL's terms (FUOTA_DATABASE_URL, or migrate-storage's --to).
 */
export function openFailure(message: string): string {
  const form = 'postgres://user:password@host:port/database';
  if (/client password must be a string/.test(message))
    return `the server asks for a password and the database URL gives none (${form})`;
  if (/no PostgreSQL user name specified/.test(message))
    return `the database URL names no user, and neither PGUSER nor USER is set (${form})`;
  return message;
}
