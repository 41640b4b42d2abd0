import type { DeviceId } from '../../../domain/device-id.js';
import type {
  DeviceAuthKind,
  InventoryEntry,
  InventorySighting,
  OperatorFields,
} from '../../../domain/fleet/inventory-entry.js';
import { combineSightings } from '../../../domain/fleet/inventory-merge.js';
import type { DeviceInventoryStore } from '../../../ports/device-inventory-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { lastPerId } from './batch-rows.js';
import { WriteTurns } from '../write-turns.js';
import { keysetPages } from './keyset-pages.js';

/** A bigint column: node-postgres hands it over as text. */
type BigintText = string;

interface Row {
  readonly id: string;
  readonly first_seen: BigintText;
  readonly last_seen: BigintText;
  readonly running_version: string;
  readonly image_project: string | null;
  readonly image_chip: string | null;
  readonly image_secure_version: number | null;
  readonly address: string;
  readonly auth: string;
  readonly polls: BigintText;
  readonly poll_interval_ms: BigintText | null;
  readonly last_status: number;
  /** The jsonb, parsed by node-postgres (a new array at every read). */
  readonly tags: string[];
  readonly hold: boolean;
  readonly note: string;
}

const COLUMNS =
  'id, first_seen, last_seen, running_version, image_project, image_chip, image_secure_version, address, auth, ' +
  'polls, poll_interval_ms, last_status, tags, hold, note';
// Many entries in one statement: one array per column, in COLUMNS order.
const UPSERT_ROWS =
  `INSERT INTO device_inventory (${COLUMNS}) SELECT * FROM unnest(` +
  '$1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], ' +
  '$9::text[], $10::bigint[], $11::bigint[], $12::integer[], $13::jsonb[], $14::boolean[], $15::text[]) ' +
  'ON CONFLICT (id) DO UPDATE SET ' +
  COLUMNS.split(', ')
    .filter((column) => column !== 'id')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
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
/** Sightings merged as inventory-merge.ts says: the first twelve columns, the new polls as polls. */
const RECORD_SIGHTINGS =
  `INSERT INTO device_inventory (${COLUMNS}) SELECT *, '[]'::jsonb, false, '' FROM unnest(` +
  '$1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], ' +
  '$9::text[], $10::bigint[], $11::bigint[], $12::integer[]) ' +
  'ON CONFLICT (id) DO UPDATE SET ' +
  'first_seen = LEAST(device_inventory.first_seen, excluded.first_seen), ' +
  'polls = device_inventory.polls + excluded.polls, ' +
  SIGHTED_COLUMNS.map(
    (column) =>
      `${column} = CASE WHEN excluded.last_seen >= device_inventory.last_seen ` +
      `THEN excluded.${column} ELSE device_inventory.${column} END`,
  ).join(', ') +
  ', last_seen = GREATEST(device_inventory.last_seen, excluded.last_seen)';
/** The entry, its row locked until the transaction ends: other writers of it wait. */
const SELECT_FOR_UPDATE = `SELECT ${COLUMNS} FROM device_inventory WHERE id = $1 FOR UPDATE`;
/** A null leaves its field as stored. */
const SET_OPERATOR_FIELDS =
  'UPDATE device_inventory SET tags = coalesce($2::jsonb, tags), hold = coalesce($3, hold), ' +
  `note = coalesce($4, note) WHERE id = $1 RETURNING ${COLUMNS}`;
const SELECT_MANY = `SELECT ${COLUMNS} FROM device_inventory WHERE id = ANY($1::text[]) ORDER BY id`;
const SELECT_SEEN_PAGE = `SELECT ${COLUMNS} FROM device_inventory WHERE last_seen >= $1 AND id > $2 ORDER BY id LIMIT $3`;
const SELECT_FIRST_PAGE = `SELECT ${COLUMNS} FROM device_inventory ORDER BY id LIMIT $1`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM device_inventory WHERE id > $1 ORDER BY id LIMIT $2`;
const DELETE = 'DELETE FROM device_inventory WHERE id = $1';
/** Entries per page of `list()`. */
export const PAGE_SIZE = 1000;
/** Rows per statement of `putMany` and `recordSightings`. */
export const ROWS_PER_STATEMENT = 5000;

/**
 * The fleet inventory in PostgreSQL's `device_inventory` table (migration 7). This store's writes
 * reach PostgreSQL one after another, in the order they were made, so that the later of two
 * writes of one entry is the one kept (a pool would let them overtake each other). Within a
 * write, rows go in id order, so that writes from several processes lock rows in the same order
 * and never deadlock.
 */
export class PostgresDeviceInventoryStore implements DeviceInventoryStore {
  private readonly turns = new WriteTurns();

  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresDeviceInventoryStore> {
    return new PostgresDeviceInventoryStore(await PostgresDatabase.open(url, options), true);
  }

  /** Keyset pages in ascending byte order of id: one page in memory at a time. */
  async *list(): AsyncIterable<InventoryEntry> {
    const queries = { firstPage: SELECT_FIRST_PAGE, nextPage: SELECT_PAGE };
    for await (const row of keysetPages<Row>(this.database, queries, PAGE_SIZE, (last) => last.id)) yield toEntry(row);
  }

  /** One transaction: every entry, or none. An id named twice gets its last entry, as in turn. */
  async putMany(entries: readonly InventoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // The parameters are taken now: a caller changing its objects afterwards changes nothing.
    const rows = lastPerId(entries, (entry) => entry.id);
    const chunks = chunked(rows).map(entryColumns);
    await this.turns.run(() =>
      this.database.transaction(async (transaction) => {
        for (const columns of chunks) await transaction.query(UPSERT_ROWS, columns);
      }),
    );
  }

  async getMany(ids: readonly DeviceId[]): Promise<InventoryEntry[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.database.query<Row>(SELECT_MANY, [[...new Set(ids)]]);
    return rows.map(toEntry);
  }

  async *seenSince(at: number): AsyncIterable<InventoryEntry> {
    let after = '';
    for (;;) {
      const { rows } = await this.database.query<Row>(SELECT_SEEN_PAGE, [at, after, PAGE_SIZE]);
      yield* rows.map(toEntry);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** One transaction: every sighting, or none. */
  async recordSightings(sightings: readonly InventorySighting[]): Promise<void> {
    if (sightings.length === 0) return;
    const rows = combineSightings(sightings)
      .sort(byId)
      .map((sighting) => ({ ...sighting, polls: sighting.newPolls, tags: [], hold: false, note: '' }));
    const chunks = chunked(rows).map((entries) => entryColumns(entries).slice(0, 12));
    await this.turns.run(() =>
      this.database.transaction(async (transaction) => {
        for (const columns of chunks) await transaction.query(RECORD_SIGHTINGS, columns);
      }),
    );
  }

  updateOperatorFields(
    id: DeviceId,
    update: (stored: OperatorFields) => Partial<OperatorFields> | undefined,
  ): Promise<InventoryEntry | undefined> {
    return this.turns.run(() =>
      this.database.transaction(async (transaction) => {
        const [row] = (await transaction.query<Row>(SELECT_FOR_UPDATE, [id])).rows;
        if (row === undefined) return undefined;
        const stored = toEntry(row);
        const fields = update({ tags: [...stored.tags], hold: stored.hold, note: stored.note });
        if (fields === undefined) return stored;
        const { rows } = await transaction.query<Row>(SET_OPERATOR_FIELDS, [
          id,
          fields.tags === undefined ? null : JSON.stringify(fields.tags),
          fields.hold ?? null,
          fields.note ?? null,
        ]);
        return rows[0] === undefined ? undefined : toEntry(rows[0]);
      }),
    );
  }

  async delete(id: DeviceId): Promise<boolean> {
    const { rowCount } = await this.turns.run(() => this.database.query(DELETE, [id]));
    return rowCount > 0;
  }

  async close(): Promise<void> {
    await this.turns.idle();
    if (this.ownsDatabase) await this.database.close();
  }
}

function byId(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function chunked<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    chunks.push(items.slice(start, start + ROWS_PER_STATEMENT));
  }
  return chunks;
}

/** The parameters of UPSERT_ROWS, in COLUMNS order. */
function entryColumns(entries: readonly InventoryEntry[]): unknown[] {
  return [
    entries.map((entry) => entry.id),
    entries.map((entry) => entry.firstSeen),
    entries.map((entry) => entry.lastSeen),
    entries.map((entry) => entry.runningVersion),
    entries.map((entry) => entry.image?.project ?? null),
    entries.map((entry) => entry.image?.chip ?? null),
    entries.map((entry) => entry.image?.secureVersion ?? null),
    entries.map((entry) => entry.address),
    entries.map((entry) => entry.auth),
    entries.map((entry) => entry.polls),
    entries.map((entry) => entry.pollIntervalMs),
    entries.map((entry) => entry.lastStatus),
    entries.map((entry) => JSON.stringify(entry.tags)),
    entries.map((entry) => entry.hold),
    entries.map((entry) => entry.note),
  ];
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toEntry(row: Row): InventoryEntry {
  return {
    id: row.id as DeviceId,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    runningVersion: row.running_version,
    image:
      row.image_project === null
        ? null
        : { project: row.image_project, chip: row.image_chip!, secureVersion: row.image_secure_version! },
    address: row.address,
    auth: row.auth as DeviceAuthKind,
    polls: Number(row.polls),
    pollIntervalMs: row.poll_interval_ms === null ? null : Number(row.poll_interval_ms),
    lastStatus: row.last_status,
    tags: row.tags,
    hold: row.hold,
    note: row.note,
  };
}
