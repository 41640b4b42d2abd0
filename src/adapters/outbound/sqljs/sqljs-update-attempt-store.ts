import type { SqlValue } from 'sql.js';
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
import type { JournalStatement, SchemaStep } from './sqljs-database.js';
import { addedColumn, SqlJsDatabase } from './sqljs-database.js';

// Times are epoch ms, `served` a JSON array of [start, end] spans; `rollout_id` and
// `rollout_wave` name the rollout that made the offer and its wave then, both null for a device
// row's offer. The first index serves a device's newest attempts, `recent` and pruning (a
// device's newest attempt is its greatest id); the second, partial (a fleet without rollouts
// pays nothing for it), a rollout's attempts. The rollout columns came with rollouts: a database
// made before them gets them added, null in every row it had. So did the delivery columns with
// delta updates (`offered_as` 'patch' or 'full', `downloaded_as`, `patch_size`, `patch_id`): an
// older row reads as offered full, with its downloads (if any) of the full file. And
// `offer_address` (the client address the offer was answered to), null in older rows.
export const UPDATE_ATTEMPT_SCHEMA: readonly SchemaStep[] = [
  'CREATE TABLE IF NOT EXISTS update_attempt (' +
    'id TEXT PRIMARY KEY, device_id TEXT NOT NULL, file TEXT NOT NULL, file_size INTEGER NOT NULL, version TEXT, ' +
    'from_version TEXT NOT NULL, state TEXT NOT NULL, offered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ' +
    'attribution TEXT, downloads INTEGER NOT NULL, served TEXT NOT NULL, provisional_at INTEGER, ' +
    'polls_since_provisional INTEGER NOT NULL, downloaded_at INTEGER, rollout_id TEXT, rollout_wave INTEGER, ' +
    'offered_as TEXT, downloaded_as TEXT, patch_size INTEGER, patch_id TEXT, offer_address TEXT)',
  addedColumn('update_attempt', 'rollout_id', 'TEXT'),
  addedColumn('update_attempt', 'rollout_wave', 'INTEGER'),
  addedColumn('update_attempt', 'offered_as', 'TEXT'),
  addedColumn('update_attempt', 'downloaded_as', 'TEXT'),
  addedColumn('update_attempt', 'patch_size', 'INTEGER'),
  addedColumn('update_attempt', 'patch_id', 'TEXT'),
  addedColumn('update_attempt', 'offer_address', 'TEXT'),
  'CREATE INDEX IF NOT EXISTS update_attempt_by_device ON update_attempt (device_id, id)',
  'CREATE INDEX IF NOT EXISTS update_attempt_by_rollout ON update_attempt (rollout_id, id) WHERE rollout_id IS NOT NULL',
];
const COLUMNS =
  'id, device_id, file, file_size, version, from_version, state, offered_at, updated_at, attribution, downloads, ' +
  'served, provisional_at, polls_since_provisional, downloaded_at, rollout_id, rollout_wave, offered_as, downloaded_as, ' +
  'patch_size, patch_id, offer_address';
const COLUMN_COUNT = COLUMNS.split(', ').length;
const COLUMNS_OF_A = COLUMNS.split(', ')
  .map((column) => `a.${column}`)
  .join(', ');
/** A whole batch in one statement with one JSON parameter (see SqlJsDeviceInventoryStore). */
const PUT_BATCH =
  `INSERT OR REPLACE INTO update_attempt (${COLUMNS}) SELECT ` +
  Array.from({ length: COLUMN_COUNT }, (_, column) => `value->>${column}`).join(', ') +
  ' FROM json_each(?)';
/**
 * Attempt `?2` made the row `?1` (a JSON array in COLUMNS order, as PUT_BATCH takes them) if it
 * is still as `?3`-`?6` say (state, downloads, served as JSON text, updated_at): see replaceIf.
 */
const REPLACE_IF =
  'UPDATE update_attempt SET ' +
  COLUMNS.split(', ')
    .slice(1)
    .map((column, i) => `${column} = json_extract(?1, '$[${i + 1}]')`)
    .join(', ') +
  ' WHERE id = ?2 AND state = ?3 AND downloads = ?4 AND served = ?5 AND updated_at = ?6';
/** The next `?2` devices after `?1`, and of each its newest `?3` attempts, newest first. */
const SELECT_RECENT_PAGE =
  'WITH devices AS (SELECT DISTINCT device_id FROM update_attempt WHERE device_id > ?1 ORDER BY device_id LIMIT ?2) ' +
  `SELECT ${COLUMNS_OF_A} FROM devices d JOIN update_attempt a ON a.id IN ` +
  '(SELECT id FROM update_attempt WHERE device_id = d.device_id ORDER BY id DESC LIMIT ?3) ' +
  'ORDER BY a.device_id, a.id DESC';
const SELECT_FOR_DEVICE = `SELECT ${COLUMNS} FROM update_attempt WHERE device_id = ? ORDER BY id DESC LIMIT ?`;
const SELECT_FOR_ROLLOUT = `SELECT ${COLUMNS} FROM update_attempt WHERE rollout_id = ? ORDER BY id`;
/**
 * What storedRolloutLoad needs of a rollout's attempts: those offered in the last minute (`?2`)
 * or in flight and heard of lately (`?3`, `?4` the in-flight states as a JSON array), each with
 * whether it is its device's newest attempt.
 */
const SELECT_LOAD =
  `SELECT ${COLUMNS_OF_A}, NOT EXISTS (SELECT 1 FROM update_attempt b WHERE b.device_id = a.device_id AND b.id > a.id) ` +
  'FROM update_attempt a WHERE a.rollout_id = ?1 AND (a.offered_at > ?2 OR ' +
  '(a.updated_at > ?3 AND a.state IN (SELECT value FROM json_each(?4))))';
/**
 * The attempts not ended (`?3`: the final states as a JSON array) whose file (`file = ?1`) or
 * patch (`patch_id = ?1`) is the one named, offered to `?4`, updated at or after `?2`, each its
 * device's newest.
 * No index serves it: only a server sharing its storage with others asks (see openOffers), and
 * the embedded database is one process's.
 */
const openOffersOf = (column: 'file' | 'patch_id') =>
  `SELECT ${COLUMNS_OF_A} FROM update_attempt a WHERE a.${column} = ?1 AND a.offer_address = ?4 AND ` +
  'a.updated_at >= ?2 AND a.state NOT IN (SELECT value FROM json_each(?3)) AND ' +
  'NOT EXISTS (SELECT 1 FROM update_attempt b WHERE b.device_id = a.device_id AND b.id > a.id)';
const SELECT_OPEN_OFFERS_OF_FILE = openOffersOf('file');
const SELECT_OPEN_OFFERS_OF_PATCH = openOffersOf('patch_id');
const COUNT_FOR_DEVICE = 'SELECT count(*) FROM update_attempt WHERE device_id = ?';
const DELETE_DEVICE = 'DELETE FROM update_attempt WHERE device_id = ?';
/**
 * One page of the table in id order, each attempt with whether pruning before `?1`, keeping
 * `?4` per device, removes it: not its device's newest, and last updated before then or with
 * `?4` newer ones of its device.
 */
const SELECT_PRUNE_PAGE =
  'SELECT a.id, EXISTS (SELECT 1 FROM update_attempt n WHERE n.device_id = a.device_id AND n.id > a.id) AND ' +
  '(a.updated_at < ?1 OR (SELECT count(*) FROM update_attempt n WHERE n.device_id = a.device_id AND n.id > a.id) >= ?4) ' +
  'FROM (SELECT id, device_id, updated_at FROM update_attempt WHERE id > ?2 ORDER BY id LIMIT ?3) a';
/**
 * Deletes by key, and checks again what the page found (a write may have come between): a
 * replay from the journal removes exactly what it removed, and never a device's newest attempt.
 */
const DELETE_PRUNED =
  'DELETE FROM update_attempt WHERE id IN (SELECT value FROM json_each(?1)) AND EXISTS ' +
  '(SELECT 1 FROM update_attempt n WHERE n.device_id = update_attempt.device_id AND n.id > update_attempt.id) AND ' +
  '(updated_at < ?2 OR (SELECT count(*) FROM update_attempt n WHERE n.device_id = update_attempt.device_id ' +
  'AND n.id > update_attempt.id) >= ?3)';
/** Devices per page of `recent`. */
const DEVICES_PER_PAGE = 500;
const ROWS_PER_STATEMENT = 5000;
/** Attempts looked at, and at most deleted, per write of `pruneBefore`; the event loop runs between. */
const PRUNE_CHUNK = 5000;

/** Update attempts in an `update_attempt` table of the sql.js database. */
export class SqlJsUpdateAttemptStore implements UpdateAttemptStore {
  /** `ownsDatabase`: closing the store closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsUpdateAttemptStore> {
    return new SqlJsUpdateAttemptStore(await SqlJsDatabase.open(file, UPDATE_ATTEMPT_SCHEMA), true);
  }

  async *recent(perDevice: number): AsyncIterable<UpdateAttempt> {
    if (perDevice <= 0) return;
    let after = '';
    for (;;) {
      const page = this.database.all(SELECT_RECENT_PAGE, [after, DEVICES_PER_PAGE, perDevice], toAttempt);
      yield* page;
      const last = page.at(-1);
      if (last === undefined) return;
      after = last.deviceId;
    }
  }

  async forDevice(deviceId: DeviceId, limit: number): Promise<UpdateAttempt[]> {
    if (limit <= 0) return [];
    return this.database.all(SELECT_FOR_DEVICE, [deviceId, limit], toAttempt);
  }

  async forRollout(rolloutId: string): Promise<UpdateAttempt[]> {
    return this.database.all(SELECT_FOR_ROLLOUT, [rolloutId], toAttempt);
  }

  async rolloutLoad(rolloutId: string, at: number, staleMs: number): Promise<CapState> {
    const newest = new Set<string>();
    const attempts = this.database.all(
      SELECT_LOAD,
      [rolloutId, at - OFFER_WINDOW_MS, at - staleMs, JSON.stringify([...IN_FLIGHT_ATTEMPT_STATES])],
      (row) => {
        const attempt = toAttempt(row);
        if (row[COLUMN_COUNT] === 1) newest.add(attempt.id);
        return attempt;
      },
    );
    return storedRolloutLoad(attempts, (attempt) => newest.has(attempt.id), at, staleMs);
  }

  async openOffers(
    offer: { readonly file: string } | { readonly patchId: string },
    address: string,
    since: number,
  ): Promise<UpdateAttempt[]> {
    const [query, named] =
      'file' in offer ? [SELECT_OPEN_OFFERS_OF_FILE, offer.file] : [SELECT_OPEN_OFFERS_OF_PATCH, offer.patchId];
    return this.database.all(query, [named, since, JSON.stringify([...FINAL_ATTEMPT_STATES]), address], toAttempt);
  }

  async putMany(attempts: readonly UpdateAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const statements: JournalStatement[] = [];
    for (let start = 0; start < attempts.length; start += ROWS_PER_STATEMENT) {
      const rows = attempts.slice(start, start + ROWS_PER_STATEMENT).map(toRow);
      statements.push([PUT_BATCH, [JSON.stringify(rows)]]);
    }
    await this.database.write(statements);
  }

  async replaceIf(next: UpdateAttempt, previous: UpdateAttempt): Promise<boolean> {
    if (next.id !== previous.id) return false;
    const condition = [
      previous.id,
      previous.state,
      previous.downloads,
      JSON.stringify(previous.served),
      previous.updatedAt,
    ];
    return (await this.database.write([[REPLACE_IF, [JSON.stringify(toRow(next)), ...condition]]])) > 0;
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    const [count] = this.database.all(COUNT_FOR_DEVICE, [deviceId], (row) => Number(row[0]));
    if (count === undefined || count === 0) return 0;
    return this.database.write([[DELETE_DEVICE, [deviceId]]]);
  }

  async pruneBefore(before: number, keepPerDevice = Number.MAX_SAFE_INTEGER): Promise<number> {
    let removed = 0;
    let after = '';
    const keep = Math.max(1, Math.min(keepPerDevice, Number.MAX_SAFE_INTEGER));
    for (;;) {
      const page = this.database.all(SELECT_PRUNE_PAGE, [before, after, PRUNE_CHUNK, keep], (row) => ({
        id: String(row[0]),
        prune: row[1] === 1,
      }));
      const doomed = page.filter((attempt) => attempt.prune).map((attempt) => attempt.id);
      if (doomed.length > 0) {
        removed += await this.database.write([[DELETE_PRUNED, [JSON.stringify(doomed), before, keep]]]);
      }
      const last = page.at(-1);
      if (last === undefined || page.length < PRUNE_CHUNK) return removed;
      after = last.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/** One attempt as a JSON array in COLUMNS order. */
function toRow(attempt: UpdateAttempt): unknown[] {
  return [
    attempt.id,
    attempt.deviceId,
    attempt.file,
    attempt.fileSize,
    attempt.version,
    attempt.fromVersion,
    attempt.state,
    attempt.offeredAt,
    attempt.updatedAt,
    attempt.attribution,
    attempt.downloads,
    attempt.served,
    attempt.provisionalAt,
    attempt.pollsSinceProvisional,
    attempt.downloadedAt,
    attempt.rollout?.id ?? null,
    attempt.rollout?.wave ?? null,
    attempt.offeredAs,
    attempt.downloadedAs,
    attempt.patchSize,
    attempt.patchId,
    attempt.offerAddress,
  ];
}

function toAttempt(row: SqlValue[]): UpdateAttempt {
  return {
    id: String(row[0]),
    deviceId: String(row[1]) as DeviceId,
    file: String(row[2]) as UpdateFilePath,
    fileSize: Number(row[3]),
    version: row[4] === null ? null : String(row[4]),
    fromVersion: String(row[5]),
    state: String(row[6]) as AttemptState,
    offeredAt: Number(row[7]),
    updatedAt: Number(row[8]),
    attribution: row[9] === null ? null : (String(row[9]) as DownloadAttribution),
    downloads: Number(row[10]),
    served: JSON.parse(String(row[11])) as ByteSpan[],
    provisionalAt: row[12] === null ? null : Number(row[12]),
    pollsSinceProvisional: Number(row[13]),
    downloadedAt: row[14] === null ? null : Number(row[14]),
    rollout: row[15] === null ? null : { id: String(row[15]), wave: Number(row[16]) },
    offeredAs: row[17] === 'patch' ? 'patch' : 'full',
    downloadedAs: row[18] === null ? (row[10] === 0 ? null : 'full') : (String(row[18]) as DeliveryForm),
    patchSize: row[19] === null ? null : Number(row[19]),
    patchId: row[20] === null ? null : String(row[20]),
    offerAddress: row[21] === null || row[21] === undefined ? null : String(row[21]),
  };
}
