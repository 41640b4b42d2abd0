import type { SqlValue } from 'sql.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../../ports/device-credential-store.port.js';
import { RowCache } from './row-cache.js';
import { SqlJsDatabase } from './sqljs-database.js';

// Beside the seed's device_app table, which a seed server would ignore.
export const DEVICE_CREDENTIAL_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS device_credential (device_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, created_at TEXT NOT NULL)',
];
const SELECT_ONE = 'SELECT device_id, secret_hash, created_at FROM device_credential WHERE device_id = ?';
const SELECT_PAGE =
  'SELECT device_id, secret_hash, created_at FROM device_credential WHERE device_id > ? ORDER BY device_id LIMIT ?';
const PAGE_SIZE = 1000;
const UPSERT = 'INSERT OR REPLACE INTO device_credential (device_id, secret_hash, created_at) VALUES (?, ?, ?)';
const DELETE = 'DELETE FROM device_credential WHERE device_id = ?';

/** Per-device credentials in a `device_credential` table of the sql.js database. */
export class SqlJsDeviceCredentialStore implements DeviceCredentialStore {
  // Every request of a device with its own credential looks it up.
  private readonly recent = new RowCache<string, DeviceCredential>();

  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  static async open(file: string): Promise<SqlJsDeviceCredentialStore> {
    return new SqlJsDeviceCredentialStore(await SqlJsDatabase.open(file, DEVICE_CREDENTIAL_SCHEMA), true);
  }

  async get(deviceId: DeviceId): Promise<DeviceCredential | undefined> {
    return this.recent.read(deviceId, () => this.database.all(SELECT_ONE, [deviceId], toCredential)[0]);
  }

  /** Keyset pages in ascending byte order of device id (SQLite's BINARY collation), bypassing the cache. */
  list(): AsyncIterable<DeviceCredential> {
    return this.database.pages(SELECT_PAGE, PAGE_SIZE, toCredential, (credential) => credential.deviceId);
  }

  async put(credential: DeviceCredential): Promise<void> {
    // Forgotten in the turn the row changes in memory (once durable): no stale row is cached after.
    await this.database.write([[UPSERT, [credential.deviceId, credential.secretHash, credential.createdAt]]], () =>
      this.recent.forget(credential.deviceId),
    );
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    if (this.database.all(SELECT_ONE, [deviceId], toCredential).length === 0) return false;
    return (await this.database.write([[DELETE, [deviceId]]], () => this.recent.forget(deviceId))) > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

function toCredential(row: SqlValue[]): DeviceCredential {
  return { deviceId: String(row[0]) as DeviceId, secretHash: String(row[1]), createdAt: String(row[2]) };
}
