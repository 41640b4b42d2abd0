import type { OperatorSession, OperatorSessionStore } from '../../../ports/operator-session-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

interface Row {
  readonly username: string;
  readonly csrf_token: string;
  /** Bigints: node-postgres hands them over as text. */
  readonly created_at: string;
  readonly expires_at: string;
}

const UPSERT =
  'INSERT INTO operator_session (token_digest, username, csrf_token, created_at, expires_at) ' +
  'VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_digest) DO UPDATE SET username = excluded.username, ' +
  'csrf_token = excluded.csrf_token, created_at = excluded.created_at, expires_at = excluded.expires_at';
// The newest `keepAtMost` stay; the rest, created first, give way (by the created_at index).
const TRIM =
  'DELETE FROM operator_session WHERE token_digest IN (SELECT token_digest FROM operator_session ' +
  'ORDER BY created_at DESC, token_digest DESC OFFSET $1)';
const SELECT = 'SELECT username, csrf_token, created_at, expires_at FROM operator_session WHERE token_digest = $1';
const DELETE = 'DELETE FROM operator_session WHERE token_digest = $1';
const SWEEP = 'DELETE FROM operator_session WHERE expires_at <= $1';

/**
 * The dashboard's sessions in PostgreSQL's `operator_session` table (migration 10), shared by
 * every server on the database: a browser signed in through one is signed in on all, and a
 * sign-out through one ends the session on all. No cache: a sign-out elsewhere counts at once.
 */
export class PostgresOperatorSessionStore implements OperatorSessionStore {
  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresOperatorSessionStore> {
    return new PostgresOperatorSessionStore(await PostgresDatabase.open(url, options), true);
  }

  async put(key: string, session: OperatorSession, keepAtMost: number): Promise<void> {
    await this.database.transaction(async (transaction) => {
      await transaction.query(UPSERT, [key, session.username, session.csrfToken, session.createdAt, session.expiresAt]);
      await transaction.query(TRIM, [Math.max(0, keepAtMost)]);
    });
  }

  async find(key: string): Promise<OperatorSession | undefined> {
    const { rows } = await this.database.query<Row>(SELECT, [key]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      username: row.username,
      csrfToken: row.csrf_token,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  async delete(key: string): Promise<boolean> {
    return (await this.database.query(DELETE, [key])).rowCount > 0;
  }

  async sweep(now: number): Promise<number> {
    return (await this.database.query(SWEEP, [now])).rowCount;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
