import type { DeviceId } from '../../../domain/device-id.js';
import { FINAL_ATTEMPT_STATES, type AttemptState } from '../../../domain/fleet/attempt-state.js';
import type {
  ByteSpan,
  DeliveryForm,
  DownloadAttribution,
  UpdateAttempt,
} from '../../../domain/fleet/update-attempt.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { CapState } from '../../../domain/rollout/offer-caps.js';
import { OFFER_WINDOW_MS } from '../../../domain/rollout/offer-caps.js';
import { storedRolloutLoad } from '../../../domain/rollout/stored-rollout-load.js';
import { IN_FLIGHT_ATTEMPT_STATES } from '../../../domain/rollout/wave-sample.js';
import type { UpdateAttemptStore } from '../../../ports/update-attempt-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';
import { lastPerId } from './batch-rows.js';
import { WriteTurns } from '../write-turns.js';

/** A bigint column: node-postgres hands it over as text. */
type BigintText = string;

interface Row {
  readonly id: string;
  readonly device_id: string;
  readonly file: string;
  readonly file_size: BigintText;
  readonly version: string | null;
  readonly from_version: string;
  readonly state: string;
  readonly offered_at: BigintText;
  readonly updated_at: BigintText;
  readonly attribution: string | null;
  readonly downloads: number;
  /** The jsonb, parsed by node-postgres (new arrays at every read). */
  readonly served: ByteSpan[];
  readonly provisional_at: BigintText | null;
  readonly polls_since_provisional: number;
  readonly downloaded_at: BigintText | null;
  readonly rollout_id: string | null;
  readonly rollout_wave: number | null;
  readonly offered_as: string;
  readonly downloaded_as: string | null;
  readonly patch_size: BigintText | null;
  readonly patch_id: string | null;
  readonly offer_address: string | null;
}

const COLUMNS =
  'id, device_id, file, file_size, version, from_version, state, offered_at, updated_at, attribution, downloads, ' +
  'served, provisional_at, polls_since_provisional, downloaded_at, rollout_id, rollout_wave, offered_as, downloaded_as, ' +
  'patch_size, patch_id, offer_address';
// Many attempts in one statement: one array per column, in COLUMNS order.
const UPSERT_ROWS =
  `INSERT INTO update_attempt (${COLUMNS}) SELECT * FROM unnest(` +
  '$1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bigint[], ' +
  '$9::bigint[], $10::text[], $11::integer[], $12::jsonb[], $13::bigint[], $14::integer[], $15::bigint[], ' +
  '$16::text[], $17::integer[], $18::text[], $19::text[], $20::bigint[], $21::text[], $22::text[]) ON CONFLICT (id) DO UPDATE SET ' +
  COLUMNS.split(', ')
    .filter((column) => column !== 'id')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
/** Attempt `$1` made the row `$2`-`$22` (COLUMNS order) if it is still as `$23`-`$26` say: see replaceIf. */
const REPLACE_IF =
  'UPDATE update_attempt SET ' +
  COLUMNS.split(', ')
    .slice(1)
    .map((column, i) => `${column} = $${i + 2}${column === 'served' ? '::jsonb' : ''}`)
    .join(', ') +
  ' WHERE id = $1 AND state = $23 AND downloads = $24 AND served = $25::jsonb AND updated_at = $26';
/** The first `$1` devices, and of each its newest `$2` attempts, newest first. */
const SELECT_FIRST_RECENT_PAGE =
  'WITH devices AS (SELECT DISTINCT device_id FROM update_attempt ORDER BY device_id LIMIT $1) ' +
  `SELECT a.* FROM devices d CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM update_attempt ` +
  'WHERE device_id = d.device_id ORDER BY id DESC LIMIT $2) a ORDER BY a.device_id, a.id DESC';
/** The next `$2` devices after `$1`, and of each its newest `$3` attempts, newest first. */
const SELECT_RECENT_PAGE =
  'WITH devices AS (SELECT DISTINCT device_id FROM update_attempt WHERE device_id > $1 ORDER BY device_id LIMIT $2) ' +
  `SELECT a.* FROM devices d CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM update_attempt ` +
  'WHERE device_id = d.device_id ORDER BY id DESC LIMIT $3) a ORDER BY a.device_id, a.id DESC';
const SELECT_FOR_DEVICE = `SELECT ${COLUMNS} FROM update_attempt WHERE device_id = $1 ORDER BY id DESC LIMIT $2`;
const SELECT_FOR_ROLLOUT = `SELECT ${COLUMNS} FROM update_attempt WHERE rollout_id = $1 ORDER BY id`;
/** The in-flight states as SQL literals (as migration 12's partial index names them, so that it serves). */
const IN_FLIGHT_STATES_SQL = [...IN_FLIGHT_ATTEMPT_STATES].map((state) => `'${state}'`).join(', ');
const COLUMNS_OF_A = COLUMNS.split(', ')
  .map((column) => `a.${column}`)
  .join(', ');
/**
 * What storedRolloutLoad needs of a rollout's attempts: those offered in the last minute (`$2`)
 * and those in flight heard of lately (`$3`), each read through its own index (migration 12),
 * with whether it is its device's newest attempt.
 */
const SELECT_LOAD =
  `SELECT ${COLUMNS_OF_A}, NOT EXISTS (SELECT 1 FROM update_attempt b WHERE b.device_id = a.device_id AND b.id > a.id) AS newest ` +
  'FROM (SELECT * FROM update_attempt WHERE rollout_id = $1 AND offered_at > $2 UNION ' +
  `SELECT * FROM update_attempt WHERE rollout_id = $1 AND updated_at > $3 AND state IN (${IN_FLIGHT_STATES_SQL})) a`;
/**
 * The final states as SQL literals. Migration 15's partial indexes name those of its day (all
 * but `withdrawn`, added since): this list holds theirs, so PostgreSQL proves that a row it
 * matches is in the index, and they serve (withdrawn rows stay in them, a few).
 */
const FINAL_STATES_SQL = [...FINAL_ATTEMPT_STATES].map((state) => `'${state}'`).join(', ');
/**
 * The attempts not ended whose file (`file = $1`) or patch (`patch_id = $1`) is the one named,
 * offered to `$3`, updated at or after `$2`, each its device's newest (migration 15's indexes).
 */
const openOffersOf = (column: 'file' | 'patch_id') =>
  `SELECT ${COLUMNS_OF_A} FROM update_attempt a WHERE a.${column} = $1 AND a.offer_address = $3 AND ` +
  'a.updated_at >= $2 AND ' +
  `a.state NOT IN (${FINAL_STATES_SQL}) AND ` +
  'NOT EXISTS (SELECT 1 FROM update_attempt b WHERE b.device_id = a.device_id AND b.id > a.id)';
const SELECT_OPEN_OFFERS_OF_FILE = openOffersOf('file');
const SELECT_OPEN_OFFERS_OF_PATCH = openOffersOf('patch_id');
const DELETE_DEVICE = 'DELETE FROM update_attempt WHERE device_id = $1';
/**
 * The devices of one page of pruning: the next `$2` after `$1` (the first page: after '', which
 * no device id is).
 */
const SELECT_DEVICE_PAGE =
  'SELECT DISTINCT device_id FROM update_attempt WHERE device_id > $1 ORDER BY device_id LIMIT $2';
/**
 * Of the devices `$1`, removes every attempt that is not its device's newest and was last
 * updated before `$2` or has at least `$3` newer ones of its device. One statement: what it
 * ranks is what it deletes.
 */
const DELETE_PRUNED =
  'DELETE FROM update_attempt WHERE id IN (SELECT id FROM (SELECT id, updated_at, ' +
  'row_number() OVER (PARTITION BY device_id ORDER BY id DESC) AS rank FROM update_attempt ' +
  'WHERE device_id = ANY($1::text[])) ranked WHERE rank > 1 AND (updated_at < $2 OR rank > $3))';
/** Devices per page of `recent`, and per statement of `pruneBefore`. */
export const DEVICES_PER_PAGE = 500;
/** Rows per statement of `putMany`. */
export const ROWS_PER_STATEMENT = 5000;

/**
 * Update attempts in PostgreSQL's `update_attempt` table (migrations 8, 14 and 15). This store's writes
 * reach PostgreSQL one after another, in the order they were made, so that the later of two
 * writes of one attempt is the one kept (a pool would let them overtake each other). Within a
 * write, rows go in id order, so that writes from several processes lock rows in the same order
 * and never deadlock.
 */
export class PostgresUpdateAttemptStore implements UpdateAttemptStore {
  private readonly turns = new WriteTurns();

  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresUpdateAttemptStore> {
    return new PostgresUpdateAttemptStore(await PostgresDatabase.open(url, options), true);
  }

  /** Keyset pages of DEVICES_PER_PAGE devices in ascending byte order of device id. */
  async *recent(perDevice: number): AsyncIterable<UpdateAttempt> {
    if (perDevice <= 0) return;
    let after: string | undefined;
    for (;;) {
      const { rows } =
        after === undefined
          ? await this.database.query<Row>(SELECT_FIRST_RECENT_PAGE, [DEVICES_PER_PAGE, perDevice])
          : await this.database.query<Row>(SELECT_RECENT_PAGE, [after, DEVICES_PER_PAGE, perDevice]);
      for (const row of rows) yield toAttempt(row);
      const last = rows.at(-1);
      if (last === undefined) return;
      after = last.device_id;
    }
  }

  async forDevice(deviceId: DeviceId, limit: number): Promise<UpdateAttempt[]> {
    if (limit <= 0) return [];
    const { rows } = await this.database.query<Row>(SELECT_FOR_DEVICE, [deviceId, limit]);
    return rows.map(toAttempt);
  }

  async forRollout(rolloutId: string): Promise<UpdateAttempt[]> {
    const { rows } = await this.database.query<Row>(SELECT_FOR_ROLLOUT, [rolloutId]);
    return rows.map(toAttempt);
  }

  async rolloutLoad(rolloutId: string, at: number, staleMs: number): Promise<CapState> {
    const { rows } = await this.database.query<Row & { readonly newest: boolean }>(SELECT_LOAD, [
      rolloutId,
      at - OFFER_WINDOW_MS,
      at - staleMs,
    ]);
    const newest = new Set(rows.filter((row) => row.newest).map((row) => row.id));
    return storedRolloutLoad(rows.map(toAttempt), (attempt) => newest.has(attempt.id), at, staleMs);
  }

  async openOffers(
    offer: { readonly file: string } | { readonly patchId: string },
    address: string,
    since: number,
  ): Promise<UpdateAttempt[]> {
    const [query, named] =
      'file' in offer ? [SELECT_OPEN_OFFERS_OF_FILE, offer.file] : [SELECT_OPEN_OFFERS_OF_PATCH, offer.patchId];
    const { rows } = await this.database.query<Row>(query, [named, since, address]);
    return rows.map(toAttempt);
  }

  /** One transaction: every attempt, or none. An id named twice gets its last attempt, as in turn. */
  async putMany(attempts: readonly UpdateAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    // The parameters are taken now: a caller changing its objects afterwards changes nothing.
    const rows = lastPerId(attempts, (attempt) => attempt.id);
    const chunks: unknown[][] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      chunks.push(columnsOf(rows.slice(start, start + ROWS_PER_STATEMENT)));
    }
    await this.turns.run(() =>
      this.database.transaction(async (transaction) => {
        for (const columns of chunks) await transaction.query(UPSERT_ROWS, columns);
      }),
    );
  }

  async replaceIf(next: UpdateAttempt, previous: UpdateAttempt): Promise<boolean> {
    if (next.id !== previous.id) return false;
    const row = columnsOf([next]).map((column) => (column as unknown[])[0]);
    const condition = [previous.state, previous.downloads, JSON.stringify(previous.served), previous.updatedAt];
    const { rowCount } = await this.turns.run(() => this.database.query(REPLACE_IF, [...row, ...condition]));
    return rowCount > 0;
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    return (await this.turns.run(() => this.database.query(DELETE_DEVICE, [deviceId]))).rowCount;
  }

  /**
   * DEVICES_PER_PAGE devices a statement (each its own transaction, in turn with this store's
   * other writes), so that pruning a large table never holds one long transaction.
   */
  async pruneBefore(before: number, keepPerDevice = Number.MAX_SAFE_INTEGER): Promise<number> {
    const keep = Math.max(1, Math.min(keepPerDevice, Number.MAX_SAFE_INTEGER));
    let removed = 0;
    let after = '';
    for (;;) {
      const { rows } = await this.database.query<{ device_id: string }>(SELECT_DEVICE_PAGE, [after, DEVICES_PER_PAGE]);
      const devices = rows.map((row) => row.device_id);
      if (devices.length > 0) {
        const { rowCount } = await this.turns.run(() => this.database.query(DELETE_PRUNED, [devices, before, keep]));
        removed += rowCount;
      }
      if (devices.length < DEVICES_PER_PAGE) return removed;
      after = devices.at(-1)!;
    }
  }

  async close(): Promise<void> {
    await this.turns.idle();
    if (this.ownsDatabase) await this.database.close();
  }
}

/** The parameters of UPSERT_ROWS, in COLUMNS order. */
function columnsOf(attempts: readonly UpdateAttempt[]): unknown[] {
  return [
    attempts.map((attempt) => attempt.id),
    attempts.map((attempt) => attempt.deviceId),
    attempts.map((attempt) => attempt.file),
    attempts.map((attempt) => attempt.fileSize),
    attempts.map((attempt) => attempt.version),
    attempts.map((attempt) => attempt.fromVersion),
    attempts.map((attempt) => attempt.state),
    attempts.map((attempt) => attempt.offeredAt),
    attempts.map((attempt) => attempt.updatedAt),
    attempts.map((attempt) => attempt.attribution),
    attempts.map((attempt) => attempt.downloads),
    attempts.map((attempt) => JSON.stringify(attempt.served)),
    attempts.map((attempt) => attempt.provisionalAt),
    attempts.map((attempt) => attempt.pollsSinceProvisional),
    attempts.map((attempt) => attempt.downloadedAt),
    attempts.map((attempt) => attempt.rollout?.id ?? null),
    attempts.map((attempt) => attempt.rollout?.wave ?? null),
    attempts.map((attempt) => attempt.offeredAs),
    attempts.map((attempt) => attempt.downloadedAs),
    attempts.map((attempt) => attempt.patchSize),
    attempts.map((attempt) => attempt.patchId),
    attempts.map((attempt) => attempt.offerAddress),
  ];
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toAttempt(row: Row): UpdateAttempt {
  const time = (value: BigintText | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    deviceId: row.device_id as DeviceId,
    file: row.file as UpdateFilePath,
    fileSize: Number(row.file_size),
    version: row.version,
    fromVersion: row.from_version,
    state: row.state as AttemptState,
    offeredAt: Number(row.offered_at),
    updatedAt: Number(row.updated_at),
    attribution: row.attribution as DownloadAttribution | null,
    downloads: row.downloads,
    served: row.served,
    provisionalAt: time(row.provisional_at),
    pollsSinceProvisional: row.polls_since_provisional,
    downloadedAt: time(row.downloaded_at),
    rollout: row.rollout_id === null ? null : { id: row.rollout_id, wave: row.rollout_wave! },
    offeredAs: row.offered_as as DeliveryForm,
    downloadedAs: row.downloaded_as as DeliveryForm | null,
    patchSize: time(row.patch_size),
    patchId: row.patch_id,
    offerAddress: row.offer_address,
  };
}
