import type { DeviceId } from '../../../domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../../ports/device-credential-store.port.js';
import { keysetPages } from './keyset-pages.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

interface Row {
  readonly device_id: string;
  readonly secret_hash: string;
  readonly created_at: string;
}

const COLUMNS = 'device_id, secret_hash, created_at';
const SELECT_ONE = `SELECT ${COLUMNS} FROM device_credential WHERE device_id = $1`;
const SELECT_FIRST_PAGE = `SELECT ${COLUMNS} FROM device_credential ORDER BY device_id LIMIT $1`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM device_credential WHERE device_id > $1 ORDER BY device_id LIMIT $2`;
/** Rows per page of `list()`. */
const PAGE_SIZE = 1000;
const UPSERT =
  'INSERT INTO device_credential (device_id, secret_hash, created_at) VALUES ($1, $2, $3) ' +
  'ON CONFLICT (device_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at';
const DELETE = 'DELETE FROM device_credential WHERE device_id = $1';

/**
 * Per-device credentials in PostgreSQL's `device_credential` table (migration 2). No cache: a
 * credential rotated or revoked through another process must count at once here.
 */
export class PostgresDeviceCredentialStore implements DeviceCredentialStore {
  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresDeviceCredentialStore> {
    return new PostgresDeviceCredentialStore(await PostgresDatabase.open(url, options), true);
  }

  async get(deviceId: DeviceId): Promise<DeviceCredential | undefined> {
    const { rows } = await this.database.query<Row>(SELECT_ONE, [deviceId]);
    const row = rows[0];
    return row === undefined ? undefined : toCredential(row);
  }

  /** Keyset pages in ascending byte order of device id (`COLLATE "C"`): one page in memory at a time. */
  async *list(): AsyncIterable<DeviceCredential> {
    const queries = { firstPage: SELECT_FIRST_PAGE, nextPage: SELECT_PAGE };
    for await (const row of keysetPages<Row>(this.database, queries, PAGE_SIZE, (last) => last.device_id))
      yield toCredential(row);
  }

  async put(credential: DeviceCredential): Promise<void> {
    await this.database.query(UPSERT, [credential.deviceId, credential.secretHash, credential.createdAt]);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return (await this.database.query(DELETE, [deviceId])).rowCount > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

function toCredential(row: Row): DeviceCredential {
  return { deviceId: row.device_id as DeviceId, secretHash: row.secret_hash, createdAt: row.created_at };
}
