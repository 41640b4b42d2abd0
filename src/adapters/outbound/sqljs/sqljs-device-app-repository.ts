import type { SqlValue } from 'sql.js';
import type { AppVersion } from '../../../domain/app-version.js';
import type { DeviceAppRecord } from '../../../domain/device-app-record.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { DeviceAppRepository } from '../../../ports/device-app-repository.port.js';
import { RowCache } from './row-cache.js';
import { StringPool } from './string-pool.js';
import { SqlJsDatabase } from './sqljs-database.js';

// The seed's exact DDL, so that a seed devices.db opens as it is and ours opens in the seed.
export const DEVICE_APP_SCHEMA = [
  'create table if not exists device_app(device_id text primary key asc, app_ver text, update_file_path text)',
  // Ours alone: finding the rows that name a file (before it is replaced or deleted) reads no
  // other row. The seed's server and the sqlite3 shell ignore it.
  'CREATE INDEX IF NOT EXISTS device_app_by_update_file ON device_app (update_file_path)',
];
const SELECT_ONE = 'SELECT device_id, app_ver, update_file_path FROM device_app WHERE device_id = ?';
const SELECT_PAGE =
  'SELECT device_id, app_ver, update_file_path FROM device_app WHERE device_id > ? ORDER BY device_id LIMIT ?';
const UPSERT =
  'INSERT INTO device_app (device_id, app_ver, update_file_path) VALUES (?, ?, ?) ' +
  'ON CONFLICT (device_id) DO UPDATE SET app_ver = excluded.app_ver, update_file_path = excluded.update_file_path';
const SELECT_NAMING_FILE =
  'SELECT device_id, app_ver, update_file_path FROM device_app WHERE update_file_path = ? ORDER BY device_id';
const DELETE = 'DELETE FROM device_app WHERE device_id = ?';
const PAGE_SIZE = 1000;

/** The seed's `device_app` table in a sql.js database persisted to a file. */
export class SqlJsDeviceAppRepository implements DeviceAppRepository {
  // Every check reads its device's row: a fleet of 100,000 devices polling in turn keeps them
  // all (some 10 MiB) rather than missing on nine checks in ten with a smaller cache.
  private readonly recent = new RowCache<string, DeviceAppRecord>(131_072);
  private readonly values = new StringPool(4096);

  /** `ownsDatabase`: closing the repository closes the database (when nothing else shares it). */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsDeviceAppRepository> {
    return new SqlJsDeviceAppRepository(await SqlJsDatabase.open(file, DEVICE_APP_SCHEMA), true);
  }

  /** Opens a seed devices.db only to read it. */
  /** Opens a seed's `file` to read its rows; rejects, naming the file, when it holds no device_app table. */
  static async openReadOnly(file: string): Promise<SqlJsDeviceAppRepository> {
    const database = await SqlJsDatabase.openReadOnly(file);
    try {
      database.all('SELECT 1 FROM device_app LIMIT 1', [], () => undefined);
    } catch (error) {
      await database.close();
      throw new Error(`${file} is not a seed database: ${(error as Error).message}`);
    }
    return new SqlJsDeviceAppRepository(database, true);
  }

  async get(deviceId: DeviceId): Promise<DeviceAppRecord | undefined> {
    return this.recent.read(deviceId, () => {
      const row = this.database.all(SELECT_ONE, [deviceId], toRecord)[0];
      if (row === undefined) return undefined;
      // Most rows of a fleet name one of a few versions and files: cached rows share those
      // strings, and the id they were looked up by, instead of holding copies of their own.
      return {
        deviceId,
        appVersion: this.values.shared(row.appVersion) as AppVersion,
        updateFilePath: this.values.shared(row.updateFilePath) as UpdateFilePath,
      };
    });
  }

  list(): AsyncIterable<DeviceAppRecord> {
    return this.database.pages(SELECT_PAGE, PAGE_SIZE, toRecord, (record) => record.deviceId);
  }

  async namingFile(path: UpdateFilePath): Promise<DeviceAppRecord[]> {
    return this.database.all(SELECT_NAMING_FILE, [path], toRecord);
  }

  async upsert(record: DeviceAppRecord): Promise<void> {
    await this.upsertMany([record]);
  }

  async upsertMany(records: readonly DeviceAppRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Forgotten in the turn the rows change in memory (once durable): no stale row is cached after.
    await this.database.write(
      records.map((record) => [UPSERT, [record.deviceId, record.appVersion, record.updateFilePath]] as const),
      () => {
        for (const record of records) this.recent.forget(record.deviceId);
      },
    );
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    // Nothing to journal for an unknown device; one deleted by a concurrent request meanwhile
    // shows as no row changed when this delete reaches memory.
    if (this.database.all(SELECT_ONE, [deviceId], toRecord).length === 0) return false;
    return (await this.database.write([[DELETE, [deviceId]]], () => this.recent.forget(deviceId))) > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/**
 * Stored rows are trusted as they are (a seed database may hold values our parsers would refuse);
 * the use cases and the file store re-check every path before touching the disk.
 */
function toRecord(row: SqlValue[]): DeviceAppRecord {
  return {
    deviceId: String(row[0] ?? '') as DeviceId,
    appVersion: String(row[1] ?? '') as AppVersion,
    updateFilePath: String(row[2] ?? '') as UpdateFilePath,
  };
}
