import type { AppVersion } from '../../../domain/app-version.js';
import type { DeviceAppRecord } from '../../../domain/device-app-record.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { DeviceAppRepository } from '../../../ports/device-app-repository.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { keysetPages } from './keyset-pages.js';

interface Row {
  readonly device_id: string;
  readonly app_ver: string;
  readonly update_file_path: string;
}

const COLUMNS = 'device_id, app_ver, update_file_path';
const SELECT_ONE = `SELECT ${COLUMNS} FROM device_app WHERE device_id = $1`;
const SELECT_FIRST_PAGE = `SELECT ${COLUMNS} FROM device_app ORDER BY device_id LIMIT $1`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM device_app WHERE device_id > $1 ORDER BY device_id LIMIT $2`;
const SELECT_NAMING_FILE = `SELECT ${COLUMNS} FROM device_app WHERE update_file_path = $1 ORDER BY device_id`;
// Many rows in one statement: three arrays, one element per row.
const UPSERT_ROWS =
  `INSERT INTO device_app (${COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ` +
  'ON CONFLICT (device_id) DO UPDATE SET app_ver = excluded.app_ver, update_file_path = excluded.update_file_path';
const DELETE = 'DELETE FROM device_app WHERE device_id = $1';
/** Rows per page of `list()`, and per statement of `upsertMany`. */
export const PAGE_SIZE = 1000;
const ROWS_PER_STATEMENT = 5000;

/**
 * The seed's `device_app` table in PostgreSQL (created by migration 1). No cache: several fuota
 * processes may share the database, and a row read here is the committed one.
 */
export class PostgresDeviceAppRepository implements DeviceAppRepository {
  /** `ownsDatabase`: closing the repository closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the repository is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresDeviceAppRepository> {
    return new PostgresDeviceAppRepository(await PostgresDatabase.open(url, options), true);
  }

  async get(deviceId: DeviceId): Promise<DeviceAppRecord | undefined> {
    const { rows } = await this.database.query<Row>(SELECT_ONE, [deviceId]);
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /** Keyset pages in ascending byte order of device id: one page in memory at a time. */
  async *list(): AsyncIterable<DeviceAppRecord> {
    const queries = { firstPage: SELECT_FIRST_PAGE, nextPage: SELECT_PAGE };
    for await (const row of keysetPages<Row>(this.database, queries, PAGE_SIZE, (last) => last.device_id))
      yield toRecord(row);
  }

  async namingFile(path: UpdateFilePath): Promise<DeviceAppRecord[]> {
    const { rows } = await this.database.query<Row>(SELECT_NAMING_FILE, [path]);
    return rows.map(toRecord);
  }

  async upsert(record: DeviceAppRecord): Promise<void> {
    await this.database.query(UPSERT_ROWS, columnsOf([record]));
  }

  /** One transaction: every row, or none. A device named twice gets its last row, as in turn. */
  async upsertMany(records: readonly DeviceAppRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One statement cannot touch a row twice (ON CONFLICT): the last row per device wins.
    const last = [...new Map(records.map((record) => [record.deviceId, record])).values()];
    await this.database.transaction(async (transaction) => {
      for (let start = 0; start < last.length; start += ROWS_PER_STATEMENT) {
        await transaction.query(UPSERT_ROWS, columnsOf(last.slice(start, start + ROWS_PER_STATEMENT)));
      }
    });
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return (await this.database.query(DELETE, [deviceId])).rowCount > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

function columnsOf(records: readonly DeviceAppRecord[]): [string[], string[], string[]] {
  return [
    records.map((record) => record.deviceId),
    records.map((record) => record.appVersion),
    records.map((record) => record.updateFilePath),
  ];
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own (see there). */
function toRecord(row: Row): DeviceAppRecord {
  return {
    deviceId: row.device_id as DeviceId,
    appVersion: row.app_ver as AppVersion,
    updateFilePath: row.update_file_path as UpdateFilePath,
  };
}
