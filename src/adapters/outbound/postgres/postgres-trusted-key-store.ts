import type { SignatureScheme } from '../../../domain/firmware/signature-block.js';
import type { TrustedKey } from '../../../domain/firmware/trusted-key.js';
import type { TrustedKeyStore } from '../../../ports/trusted-key-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

interface Row {
  readonly key_digest: string;
  readonly scheme: string | null;
  readonly name: string | null;
  readonly added_at: string;
}

const SELECT_ALL = 'SELECT key_digest, scheme, name, added_at FROM trusted_key ORDER BY position';
const UPSERT =
  'INSERT INTO trusted_key (key_digest, scheme, name, added_at) VALUES ($1, $2, $3, $4) ' +
  'ON CONFLICT (key_digest) DO UPDATE SET scheme = excluded.scheme, name = excluded.name, added_at = excluded.added_at';
const DELETE = 'DELETE FROM trusted_key WHERE key_digest = $1';

/**
 * Trusted keys in PostgreSQL's `trusted_key` table (migration 10). No cache: a key added or
 * removed through another server counts at once.
 */
export class PostgresTrustedKeyStore implements TrustedKeyStore {
  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresTrustedKeyStore> {
    return new PostgresTrustedKeyStore(await PostgresDatabase.open(url, options), true);
  }

  async list(): Promise<TrustedKey[]> {
    const { rows } = await this.database.query<Row>(SELECT_ALL);
    return rows.map((row) => ({
      keyDigest: row.key_digest,
      scheme: row.scheme as SignatureScheme | null,
      name: row.name,
      source: 'api' as const,
      addedAt: row.added_at,
    }));
  }

  async put(key: TrustedKey): Promise<void> {
    await this.database.query(UPSERT, [key.keyDigest, key.scheme, key.name, key.addedAt ?? '']);
  }

  async delete(keyDigest: string): Promise<boolean> {
    return (await this.database.query(DELETE, [keyDigest])).rowCount > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
