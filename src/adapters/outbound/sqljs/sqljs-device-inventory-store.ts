import type { SqlValue } from 'sql.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type {
  DeviceAuthKind,
  InventoryEntry,
  InventorySighting,
  OperatorFields,
  RunningImage,
} from '../../../domain/fleet/inventory-entry.js';
import { combineSightings } from '../../../domain/fleet/inventory-merge.js';
import type { DeviceInventoryStore } from '../../../ports/device-inventory-store.port.js';
import type { JournalStatement, WriteStatement } from './sqljs-database.js';
import { SqlJsDatabase } from './sqljs-database.js';
import { pollRowsStatement } from './poll-rows.js';
import { WriteTurns } from '../write-turns.js';

// Beside the seed's device_app table, which a seed server would ignore. Times are epoch ms,
// `hold` is 0 or 1, `tags` is a JSON array; the image is three columns, all null without one.
export const DEVICE_INVENTORY_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS device_inventory (' +
    'id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, running_version TEXT NOT NULL, ' +
    'image_project TEXT, image_chip TEXT, image_secure_version INTEGER, address TEXT NOT NULL, auth TEXT NOT NULL, ' +
    'polls INTEGER NOT NULL, poll_interval_ms INTEGER, last_status INTEGER NOT NULL, tags TEXT NOT NULL, ' +
    'hold INTEGER NOT NULL, note TEXT NOT NULL)',
];
const COLUMNS =
  'id, first_seen, last_seen, running_version, image_project, image_chip, image_secure_version, address, auth, ' +
  'polls, poll_interval_ms, last_status, tags, hold, note';
/**
 * A whole batch in one statement with one parameter: a JSON array of rows, each an array in
 * COLUMNS order (binding fifteen parameters per row through sql.js cost several times as much).
 * `->>` of the nested tags array is its JSON text.
 */
const PUT_BATCH =
  `INSERT OR REPLACE INTO device_inventory (${COLUMNS}) SELECT ` +
  Array.from({ length: 15 }, (_, column) => `value->>${column}`).join(', ') +
  ' FROM json_each(?)';
/** The fields a check sets, taken from the newer of the stored entry and the sighting. */
const SIGHTED_COLUMNS = [
  'running_version',
  'image_project',
  'image_chip',
  'image_secure_version',
  'address',
  'auth',
  'poll_interval_ms',
  'last_status',
];
/**
 * Sightings merged as inventory-merge.ts says, one JSON array of rows in COLUMNS order with the
 * new polls in the polls column and no operators' fields (a new entry gets none). `WHERE true`
 * tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to the join.
 */
const RECORD_SIGHTINGS =
  `INSERT INTO device_inventory (${COLUMNS}) SELECT ` +
  Array.from({ length: 12 }, (_, column) => `value->>${column}`).join(', ') +
  ", '[]', 0, '' FROM json_each(?) WHERE true ON CONFLICT (id) DO UPDATE SET " +
  'first_seen = min(first_seen, excluded.first_seen), polls = polls + excluded.polls, ' +
  SIGHTED_COLUMNS.map(
    (column) => `${column} = CASE WHEN excluded.last_seen >= last_seen THEN excluded.${column} ELSE ${column} END`,
  ).join(', ') +
  ', last_seen = max(last_seen, excluded.last_seen)';
/**
 * Sightings that changed only the poll fields (`pollOnly`): rows of [id, last seen, new polls,
 * interval]. This store is its entries' only writer (the data dir's lock), so the other fields
 * are stored as the sighting has them. A device forgotten meanwhile has no row to update.
 */
const RECORD_POLLS =
  'UPDATE device_inventory SET last_seen = max(last_seen, j.value->>1), polls = polls + j.value->>2, ' +
  'poll_interval_ms = CASE WHEN j.value->>1 >= last_seen THEN j.value->>3 ELSE poll_interval_ms END ' +
  'FROM json_each(?) AS j WHERE device_inventory.id = j.value->>0';
/** RECORD_POLLS for one row, its parameters that row: how a write applies it to memory. */
const RECORD_POLL =
  'UPDATE device_inventory SET last_seen = max(last_seen, ?2), polls = polls + ?3, ' +
  'poll_interval_ms = CASE WHEN ?2 >= last_seen THEN ?4 ELSE poll_interval_ms END WHERE id = ?1';
/** A null leaves its field as stored. */
const SET_OPERATOR_FIELDS =
  'UPDATE device_inventory SET tags = coalesce(?, tags), hold = coalesce(?, hold), note = coalesce(?, note) WHERE id = ?';
const SELECT_ONE = `SELECT ${COLUMNS} FROM device_inventory WHERE id = ?`;
const SELECT_SEEN_PAGE = `SELECT ${COLUMNS} FROM device_inventory WHERE last_seen >= ? AND id > ? ORDER BY id LIMIT ?`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM device_inventory WHERE id > ? ORDER BY id LIMIT ?`;
const EXISTS = 'SELECT 1 FROM device_inventory WHERE id = ?';
const DELETE = 'DELETE FROM device_inventory WHERE id = ?';
const PAGE_SIZE = 1000;
/** Rows per statement: one write of tens of thousands of entries holds a few statements. */
export const INVENTORY_ROWS_PER_STATEMENT = 5000;

/** The fleet inventory in a `device_inventory` table of the sql.js database. */
export class SqlJsDeviceInventoryStore implements DeviceInventoryStore {
  private readonly operatorTurns = new WriteTurns();

  /** `ownsDatabase`: closing the store closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsDeviceInventoryStore> {
    return new SqlJsDeviceInventoryStore(await SqlJsDatabase.open(file, DEVICE_INVENTORY_SCHEMA), true);
  }

  list(): AsyncIterable<InventoryEntry> {
    return this.database.pages(SELECT_PAGE, PAGE_SIZE, toEntry, (entry) => entry.id);
  }

  async putMany(entries: readonly InventoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const statements: JournalStatement[] = [];
    for (let start = 0; start < entries.length; start += INVENTORY_ROWS_PER_STATEMENT) {
      const rows = entries.slice(start, start + INVENTORY_ROWS_PER_STATEMENT).map(toRow);
      statements.push([PUT_BATCH, [JSON.stringify(rows)]]);
    }
    // Typed values into a table without constraints they could break: nothing to try first.
    await this.database.write(statements, undefined, { trusted: true });
  }

  async getMany(ids: readonly DeviceId[]): Promise<InventoryEntry[]> {
    return [...new Set(ids)]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap((id) => this.database.all(SELECT_ONE, [id], toEntry));
  }

  async *seenSince(at: number): AsyncIterable<InventoryEntry> {
    let after = '';
    for (;;) {
      const page = this.database.all(SELECT_SEEN_PAGE, [at, after, PAGE_SIZE], toEntry);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE_SIZE) return;
      after = last.id;
    }
  }

  /**
   * Not an async function: one would hold `sightings` until the write is durable (an async
   * function keeps its locals across awaits), and what the write needs is taken out of them now.
   */
  recordSightings(sightings: readonly InventorySighting[]): Promise<void> {
    if (sightings.length === 0) return Promise.resolve();
    let statements: WriteStatement[];
    try {
      statements = sightingStatements(sightings);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.database.write(statements, undefined, { trusted: true }).then(() => undefined);
  }

  updateOperatorFields(
    id: DeviceId,
    update: (stored: OperatorFields) => Partial<OperatorFields> | undefined,
  ): Promise<InventoryEntry | undefined> {
    // Read, then written once durable: the next update reads only after that (this store is the
    // entries' only writer of operators' fields, the data dir's lock keeps other servers out).
    return this.operatorTurns.run(async () => {
      const stored = this.database.all(SELECT_ONE, [id], toEntry)[0];
      if (stored === undefined) return undefined;
      const fields = update({ tags: [...stored.tags], hold: stored.hold, note: stored.note });
      if (fields === undefined) return stored;
      const tags = fields.tags === undefined ? null : JSON.stringify(fields.tags);
      const hold = fields.hold === undefined ? null : fields.hold ? 1 : 0;
      await this.database.write([[SET_OPERATOR_FIELDS, [tags, hold, fields.note ?? null, id]]]);
      return this.database.all(SELECT_ONE, [id], toEntry)[0];
    });
  }

  async delete(id: DeviceId): Promise<boolean> {
    // Nothing to journal for an unknown device; one deleted concurrently shows as no row changed.
    if (this.database.all(EXISTS, [id], () => true).length === 0) return false;
    return (await this.database.write([[DELETE, [id]]])) > 0;
  }

  async close(): Promise<void> {
    await this.operatorTurns.idle();
    if (this.ownsDatabase) await this.database.close();
  }
}

/** The statements that record `sightings`: whole rows merged, poll-only ones applied row by row. */
function sightingStatements(sightings: readonly InventorySighting[]): WriteStatement[] {
  const polls: InventorySighting[] = [];
  const whole: unknown[][] = [];
  for (const sighting of combineSightings(sightings)) {
    if (sighting.pollOnly === true) polls.push(sighting);
    else whole.push(toSightingRow(sighting));
  }
  const statements: WriteStatement[] = [];
  for (let start = 0; start < whole.length; start += INVENTORY_ROWS_PER_STATEMENT) {
    statements.push([RECORD_SIGHTINGS, [JSON.stringify(whole.slice(start, start + INVENTORY_ROWS_PER_STATEMENT))]]);
  }
  for (let start = 0; start < polls.length; start += INVENTORY_ROWS_PER_STATEMENT) {
    const rows = polls.slice(start, start + INVENTORY_ROWS_PER_STATEMENT);
    statements.push(pollRowsStatement(rows, RECORD_POLLS, RECORD_POLL));
  }
  return statements;
}

/** One entry as a JSON array in COLUMNS order. */
function toRow(entry: InventoryEntry): unknown[] {
  return [
    entry.id,
    entry.firstSeen,
    entry.lastSeen,
    entry.runningVersion,
    entry.image?.project ?? null,
    entry.image?.chip ?? null,
    entry.image?.secureVersion ?? null,
    entry.address,
    entry.auth,
    entry.polls,
    entry.pollIntervalMs,
    entry.lastStatus,
    entry.tags,
    entry.hold ? 1 : 0,
    entry.note,
  ];
}

/** A sighting as a JSON array in the order of COLUMNS' first twelve, its new polls as the polls. */
function toSightingRow(sighting: InventorySighting): unknown[] {
  return [
    sighting.id,
    sighting.firstSeen,
    sighting.lastSeen,
    sighting.runningVersion,
    sighting.image?.project ?? null,
    sighting.image?.chip ?? null,
    sighting.image?.secureVersion ?? null,
    sighting.address,
    sighting.auth,
    sighting.newPolls,
    sighting.pollIntervalMs,
    sighting.lastStatus,
  ];
}

function toEntry(row: SqlValue[]): InventoryEntry {
  const image: RunningImage | null =
    row[4] === null ? null : { project: String(row[4]), chip: String(row[5]), secureVersion: Number(row[6]) };
  return {
    id: String(row[0]) as DeviceId,
    firstSeen: Number(row[1]),
    lastSeen: Number(row[2]),
    runningVersion: String(row[3]),
    image,
    address: String(row[7]),
    auth: String(row[8]) as DeviceAuthKind,
    polls: Number(row[9]),
    pollIntervalMs: row[10] === null ? null : Number(row[10]),
    lastStatus: Number(row[11]),
    tags: JSON.parse(String(row[12])) as string[],
    hold: row[13] === 1,
    note: String(row[14]),
  };
}
