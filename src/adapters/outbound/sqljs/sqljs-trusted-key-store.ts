import type { SignatureScheme } from '../../../domain/firmware/signature-block.js';
import type { TrustedKey } from '../../../domain/firmware/trusted-key.js';
import type { TrustedKeyStore } from '../../../ports/trusted-key-store.port.js';
import type { SchemaStep } from './sqljs-database.js';
import { SqlJsDatabase } from './sqljs-database.js';

// One row per key added through the API; the rowid keeps the order they were first added.
export const TRUSTED_KEY_SCHEMA: readonly SchemaStep[] = [
  'CREATE TABLE IF NOT EXISTS trusted_key (key_digest TEXT PRIMARY KEY, scheme TEXT, name TEXT, added_at TEXT NOT NULL)',
];
const SELECT_ALL = 'SELECT key_digest, scheme, name, added_at FROM trusted_key ORDER BY rowid';
const SELECT_ONE = 'SELECT 1 FROM trusted_key WHERE key_digest = ?';
// An upsert, not INSERT OR REPLACE: a replace would delete the row and give it a new rowid (place).
const UPSERT =
  'INSERT INTO trusted_key (key_digest, scheme, name, added_at) VALUES (?, ?, ?, ?) ' +
  'ON CONFLICT (key_digest) DO UPDATE SET scheme = excluded.scheme, name = excluded.name, added_at = excluded.added_at';
const DELETE = 'DELETE FROM trusted_key WHERE key_digest = ?';

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Trusted keys in a `trusted_key` table of the sql.js database. */
export class SqlJsTrustedKeyStore implements TrustedKeyStore {
  /** `ownsDatabase`: closing the store closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsTrustedKeyStore> {
    return new SqlJsTrustedKeyStore(await SqlJsDatabase.open(file, TRUSTED_KEY_SCHEMA), true);
  }

  async list(): Promise<TrustedKey[]> {
    return this.database.all(SELECT_ALL, [], (row) => ({
      keyDigest: String(row[0]),
      scheme: text(row[1]) as SignatureScheme | null,
      name: text(row[2]),
      source: 'api' as const,
      addedAt: text(row[3]),
    }));
  }

  async put(key: TrustedKey): Promise<void> {
    await this.database.write([[UPSERT, [key.keyDigest, key.scheme, key.name, key.addedAt ?? '']]]);
  }

  async delete(keyDigest: string): Promise<boolean> {
    if (this.database.all(SELECT_ONE, [keyDigest], () => true).length === 0) return false;
    return (await this.database.write([[DELETE, [keyDigest]]])) > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
