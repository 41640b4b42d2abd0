import type { SqlValue } from 'sql.js';
import type { EspImageInfo } from '../../../domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../../domain/update-file.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { UpdateFileCatalog } from '../../../ports/update-file-catalog.port.js';
import { RowCache } from './row-cache.js';
import { SqlJsDatabase } from './sqljs-database.js';

export const UPDATE_FILE_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS update_file (path TEXT PRIMARY KEY, size INTEGER NOT NULL, ' +
    'sha256 TEXT NOT NULL, modified_ms REAL NOT NULL, stored_at TEXT NOT NULL, image TEXT)',
  // Each entry's change token (see BlobInfo), in a table of its own so that a database made
  // before tokens existed opens unchanged: its entries have none and are read again once.
  'CREATE TABLE IF NOT EXISTS update_file_change (path TEXT PRIMARY KEY, change_token TEXT NOT NULL)',
];
const COLUMNS = 'path, size, sha256, modified_ms, stored_at, image';
const SELECT = `SELECT f.path, f.size, f.sha256, f.modified_ms, f.stored_at, f.image, c.change_token
  FROM update_file f LEFT JOIN update_file_change c ON c.path = f.path`;
const SELECT_ONE = `${SELECT} WHERE f.path = ?`;
const SELECT_PAGE = `${SELECT} WHERE f.path > ? ORDER BY f.path LIMIT ?`;
const UPSERT = `INSERT OR REPLACE INTO update_file (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`;
const UPSERT_CHANGE = 'INSERT OR REPLACE INTO update_file_change (path, change_token) VALUES (?, ?)';
const DELETE_CHANGE = 'DELETE FROM update_file_change WHERE path = ?';
const DELETE = 'DELETE FROM update_file WHERE path = ?';
const PAGE_SIZE = 500;

/** The catalog as an `update_file` table beside the seed's `device_app` (the seed ignores it). */
export class SqlJsUpdateFileCatalog implements UpdateFileCatalog {
  private readonly recent = new RowCache<string, UpdateFile>();

  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  static async open(file: string): Promise<SqlJsUpdateFileCatalog> {
    return new SqlJsUpdateFileCatalog(await SqlJsDatabase.open(file, UPDATE_FILE_SCHEMA), true);
  }

  async get(path: UpdateFilePath): Promise<UpdateFile | undefined> {
    return this.recent.read(path, () => this.database.all(SELECT_ONE, [path], toEntry)[0]);
  }

  list(): AsyncIterable<UpdateFile> {
    return this.database.pages(SELECT_PAGE, PAGE_SIZE, toEntry, (entry) => entry.path);
  }

  async put(file: UpdateFile): Promise<void> {
    const image = file.image === undefined ? null : JSON.stringify(file.image);
    // Forgotten in the turn the row changes in memory (once durable): no stale row is cached after.
    await this.database.write(
      [
        [UPSERT, [file.path, file.size, file.sha256, file.modifiedAtMs, file.storedAt, image]],
        file.changeToken === undefined ? [DELETE_CHANGE, [file.path]] : [UPSERT_CHANGE, [file.path, file.changeToken]],
      ],
      () => this.recent.forget(file.path),
    );
  }

  async delete(path: UpdateFilePath): Promise<void> {
    await this.database.write(
      [
        [DELETE, [path]],
        [DELETE_CHANGE, [path]],
      ],
      () => this.recent.forget(path),
    );
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

function toEntry(row: SqlValue[]): UpdateFile {
  const entry: UpdateFile = {
    path: String(row[0]) as UpdateFilePath,
    size: Number(row[1]),
    sha256: String(row[2]),
    modifiedAtMs: Number(row[3]),
    storedAt: String(row[4]),
    image: row[5] === null || row[5] === undefined ? undefined : (JSON.parse(String(row[5])) as EspImageInfo),
  };
  return row[6] === null || row[6] === undefined ? entry : { ...entry, changeToken: String(row[6]) };
}
