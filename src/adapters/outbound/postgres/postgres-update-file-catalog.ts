import type { EspImageInfo } from '../../../domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../../domain/update-file.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { UpdateFileCatalog } from '../../../ports/update-file-catalog.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { keysetPages } from './keyset-pages.js';

interface Row {
  readonly path: string;
  /** A bigint: node-postgres hands it over as text. */
  readonly size: string;
  readonly sha256: string;
  readonly modified_ms: number;
  readonly stored_at: string;
  /** The jsonb, parsed by node-postgres. */
  readonly image: EspImageInfo | null;
  readonly change_token: string | null;
}

const COLUMNS = 'path, size, sha256, modified_ms, stored_at, image, change_token';
const SELECT_ONE = `SELECT ${COLUMNS} FROM update_file WHERE path = $1`;
const SELECT_FIRST_PAGE = `SELECT ${COLUMNS} FROM update_file ORDER BY path LIMIT $1`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM update_file WHERE path > $1 ORDER BY path LIMIT $2`;
// One statement: the entry and its change token (or none) replace the old ones together.
const UPSERT =
  `INSERT INTO update_file (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ` +
  'ON CONFLICT (path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, ' +
  'modified_ms = excluded.modified_ms, stored_at = excluded.stored_at, image = excluded.image, ' +
  'change_token = excluded.change_token';
const DELETE = 'DELETE FROM update_file WHERE path = $1';
/** Entries per page of `list()`. */
export const PAGE_SIZE = 500;

/**
 * The update-file catalog in PostgreSQL's `update_file` table (migration 3). No cache: another
 * process may record or forget a file, and an entry read here is the committed one.
 */
export class PostgresUpdateFileCatalog implements UpdateFileCatalog {
  /** `ownsDatabase`: closing the catalog closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the catalog is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresUpdateFileCatalog> {
    return new PostgresUpdateFileCatalog(await PostgresDatabase.open(url, options), true);
  }

  async get(path: UpdateFilePath): Promise<UpdateFile | undefined> {
    const { rows } = await this.database.query<Row>(SELECT_ONE, [path]);
    const row = rows[0];
    return row === undefined ? undefined : toEntry(row);
  }

  /** Keyset pages in ascending byte order of path: one page in memory at a time. */
  async *list(): AsyncIterable<UpdateFile> {
    const queries = { firstPage: SELECT_FIRST_PAGE, nextPage: SELECT_PAGE };
    for await (const row of keysetPages<Row>(this.database, queries, PAGE_SIZE, (last) => last.path))
      yield toEntry(row);
  }

  async put(file: UpdateFile): Promise<void> {
    await this.database.query(UPSERT, [
      file.path,
      file.size,
      file.sha256,
      file.modifiedAtMs,
      file.storedAt,
      file.image === undefined ? null : JSON.stringify(file.image),
      file.changeToken ?? null,
    ]);
  }

  async delete(path: UpdateFilePath): Promise<void> {
    await this.database.query(DELETE, [path]);
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toEntry(row: Row): UpdateFile {
  const entry: UpdateFile = {
    path: row.path as UpdateFilePath,
    size: Number(row.size),
    sha256: row.sha256,
    modifiedAtMs: row.modified_ms,
    storedAt: row.stored_at,
    image: row.image ?? undefined,
  };
  return row.change_token === null ? entry : { ...entry, changeToken: row.change_token };
}
