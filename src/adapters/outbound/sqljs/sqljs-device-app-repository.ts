import { readFile } from 'node:fs/promises';
import type { Database, SqlValue } from 'sql.js';
import type { DeviceAppRecord } from '../../../domain/device-app-record.js';
import type { AppVersion } from '../../../domain/app-version.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { DeviceAppRepository } from '../../../ports/device-app-repository.port.js';
import { writeFileDurably } from '../filesystem/durable-file.js';
import { CoalescingFlusher } from './coalescing-flusher.js';
import { loadSqlJs } from './sqljs-module.js';

// The seed's exact DDL, so that a seed devices.db opens as it is and ours opens in the seed.
const CREATE_TABLE =
  'create table if not exists device_app(device_id text primary key asc, app_ver text, update_file_path text)';
const SELECT_ONE = 'SELECT device_id, app_ver, update_file_path FROM device_app WHERE device_id = ?';
const SELECT_PAGE =
  'SELECT device_id, app_ver, update_file_path FROM device_app WHERE device_id > ? ORDER BY device_id LIMIT ?';
const UPSERT =
  'INSERT INTO device_app (device_id, app_ver, update_file_path) VALUES (?, ?, ?) ' +
  'ON CONFLICT (device_id) DO UPDATE SET app_ver = excluded.app_ver, update_file_path = excluded.update_file_path';
const DELETE = 'DELETE FROM device_app WHERE device_id = ?';
const PAGE_SIZE = 1000;

/**
 * The `device_app` table in an in-memory SQLite (sql.js) that is written whole to `file` after
 * changes. Writes are durable when they resolve; concurrent writes share flushes. Statements live
 * only within one synchronous call, because `Database.export()` frees every open statement.
 */
export class SqlJsDeviceAppRepository implements DeviceAppRepository {
  private readonly flusher: CoalescingFlusher;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
  ) {
    this.flusher = new CoalescingFlusher(() => this.persist());
  }

  /** Opens `file` (a seed devices.db works), creating it when missing. */
  static async open(file: string): Promise<SqlJsDeviceAppRepository> {
    const SQL = await loadSqlJs();
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const db = new SQL.Database(bytes);
    try {
      db.run(CREATE_TABLE);
    } catch (error) {
      db.close();
      throw new Error(`${file} is not a usable SQLite database: ${(error as Error).message}`);
    }
    const repository = new SqlJsDeviceAppRepository(db, file);
    if (bytes === undefined) await repository.flusher.request();
    return repository;
  }

  /** Opens `file` only to read it (the seed import); nothing is ever written back. */
  static async openReadOnly(file: string): Promise<SqlJsDeviceAppRepository> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database(await readFile(file));
    return new SqlJsDeviceAppRepository(db, undefined);
  }

  async get(deviceId: DeviceId): Promise<DeviceAppRecord | undefined> {
    this.assertOpen();
    const statement = this.db.prepare(SELECT_ONE);
    try {
      statement.bind([deviceId]);
      return statement.step() ? toRecord(statement.get()) : undefined;
    } finally {
      statement.free();
    }
  }

  async *list(): AsyncIterable<DeviceAppRecord> {
    let after = '';
    for (;;) {
      const page = this.page(after);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE_SIZE) return;
      after = last.deviceId;
    }
  }

  async upsert(record: DeviceAppRecord): Promise<void> {
    await this.upsertMany([record]);
  }

  async upsertMany(records: readonly DeviceAppRecord[]): Promise<void> {
    this.assertWritable();
    const statement = this.db.prepare(UPSERT);
    try {
      this.db.run('BEGIN');
      for (const record of records) {
        statement.run([record.deviceId, record.appVersion, record.updateFilePath]);
      }
      this.db.run('COMMIT');
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    } finally {
      statement.free();
    }
    await this.flusher.request();
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    this.assertWritable();
    this.db.run(DELETE, [deviceId]);
    if (this.db.getRowsModified() === 0) return false;
    await this.flusher.request();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flusher.settle();
    this.db.close();
  }

  private page(after: string): DeviceAppRecord[] {
    this.assertOpen();
    const statement = this.db.prepare(SELECT_PAGE);
    try {
      statement.bind([after, PAGE_SIZE]);
      const rows: DeviceAppRecord[] = [];
      while (statement.step()) rows.push(toRecord(statement.get()));
      return rows;
    } finally {
      statement.free();
    }
  }

  private async persist(): Promise<void> {
    if (this.file === undefined) return;
    const bytes = this.db.export(); // synchronous: the snapshot this flush makes durable
    await writeFileDurably(this.file, bytes);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the device_app repository is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.file === undefined) throw new Error('the device_app repository is read-only');
  }
}

/**
 * Stored rows are trusted as they are (a seed database may hold values our parsers would refuse);
 * the file store re-checks every path before touching the disk.
 */
function toRecord(row: SqlValue[]): DeviceAppRecord {
  return {
    deviceId: String(row[0] ?? '') as DeviceId,
    appVersion: String(row[1] ?? '') as AppVersion,
    updateFilePath: String(row[2] ?? '') as UpdateFilePath,
  };
}
