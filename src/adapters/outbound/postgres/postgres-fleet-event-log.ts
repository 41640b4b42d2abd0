import type { DeviceId } from '../../../domain/device-id.js';
import type {
  DeviceEventType,
  FleetEvent,
  FleetEventDetail,
  NewLoggedEvent,
} from '../../../domain/fleet/fleet-event.js';
import type { RolloutEventType } from '../../../domain/rollout/rollout-event.js';
import type { RolloutId } from '../../../domain/rollout/rollout-id.js';
import type { FleetEventLog, FleetEventQuery } from '../../../ports/fleet-event-log.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

/** A bigint column: node-postgres hands it over as text. */
type BigintText = string;

interface Row {
  readonly seq: BigintText;
  readonly at: BigintText;
  readonly device_id: string | null;
  readonly type: string;
  /** The jsonb, parsed by node-postgres (a new object at every read). */
  readonly detail: FleetEventDetail;
  readonly rollout_id: string | null;
}

/**
 * The key of the transaction-level advisory lock every append holds until it commits: the bytes
 * of "fuota", then 0x000003 (migrations use 0x000001, the audit log 0x000002). Appends from
 * every process run one at a time, so each draws consecutive seqs and commits before the next
 * draws: a reader paging with a cursor (the live view) never sees a seq while an earlier one is
 * still to come.
 */
export const FLEET_EVENT_APPEND_LOCK_KEY = 0x6675_6f74_6100_0003n;

const COLUMNS = 'seq, at, device_id, type, detail, rollout_id';
const LOCK = 'SELECT pg_advisory_xact_lock($1::bigint)';
const LOCK_SHARED = 'SELECT pg_advisory_xact_lock_shared($1::bigint)';
/** Draws `$1` seqs at once (under LOCK nobody else draws): resolves to the last of them. */
const DRAW_SEQS = "SELECT setval('fleet_event_seq', nextval('fleet_event_seq') + $1 - 1)::text AS last";
/** The greatest seq ever drawn (none yet: `is_called` is false). */
const SELECT_SEQ = 'SELECT last_value::text AS last_value, is_called FROM fleet_event_seq';
// Many events in one statement: one array per column.
const INSERT_ROWS =
  `INSERT INTO fleet_event (${COLUMNS}) SELECT * FROM unnest(` +
  '$1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::text[])';
const SELECT_LATEST = `SELECT ${COLUMNS} FROM fleet_event WHERE device_id = $1 ORDER BY seq DESC LIMIT $2`;
const DELETE_DEVICE = 'DELETE FROM fleet_event WHERE device_id = $1';
/** The next `$2` events naming no device older than `$1`, oldest seq first. */
const DELETE_OLD_DEVICELESS =
  'DELETE FROM fleet_event WHERE seq IN ' +
  '(SELECT seq FROM fleet_event WHERE device_id IS NULL AND at < $1 ORDER BY seq LIMIT $2)';
/**
 * The devices of one page of pruning: the next `$2` after `$1` (the first page: after '', which
 * no device id is).
 */
const SELECT_DEVICE_PAGE =
  'SELECT DISTINCT device_id FROM fleet_event WHERE device_id > $1 ORDER BY device_id LIMIT $2';
/**
 * Of the devices `$1`, removes the events naming them older than `$2` and those past each one's
 * newest `$3`. One statement: what it ranks is what it deletes.
 */
const DELETE_PRUNED =
  'DELETE FROM fleet_event WHERE seq IN (SELECT seq FROM (SELECT seq, at, ' +
  'row_number() OVER (PARTITION BY device_id ORDER BY seq DESC) AS rank FROM fleet_event ' +
  'WHERE device_id = ANY($1::text[])) ranked WHERE at < $2 OR rank > $3)';
const ROWS_PER_STATEMENT = 5000;
/** Events naming no device removed per statement of `prune`, and devices per statement. */
const PRUNE_CHUNK = 5000;
export const DEVICES_PER_PRUNE = 500;

/** The fleet's events in PostgreSQL's `fleet_event` table and `fleet_event_seq` sequence (migration 9). */
export class PostgresFleetEventLog implements FleetEventLog {
  /** `ownsDatabase`: closing the log closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the log is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresFleetEventLog> {
    return new PostgresFleetEventLog(await PostgresDatabase.open(url, options), true);
  }

  /** One transaction: every event or none. Seqs drawn by one that rolls back are never given again. */
  async append(events: readonly NewLoggedEvent[]): Promise<FleetEvent[]> {
    if (events.length === 0) return [];
    // The details are taken now: a caller changing its objects afterwards changes nothing.
    const details = events.map((event) => JSON.stringify(event.detail));
    return this.database.transaction(async (transaction) => {
      await transaction.query(LOCK, [FLEET_EVENT_APPEND_LOCK_KEY.toString()]);
      const { rows } = await transaction.query<{ last: BigintText }>(DRAW_SEQS, [events.length]);
      const first = Number(rows[0]!.last) - events.length + 1;
      const numbered = events.map((event, i): FleetEvent => {
        const seq = first + i;
        const detail = JSON.parse(details[i]!) as FleetEventDetail;
        return event.rolloutId === undefined
          ? { seq, at: event.at, deviceId: event.deviceId, type: event.type, detail }
          : { seq, at: event.at, rolloutId: event.rolloutId, deviceId: event.deviceId, type: event.type, detail };
      });
      for (let start = 0; start < numbered.length; start += ROWS_PER_STATEMENT) {
        const chunk = numbered.slice(start, start + ROWS_PER_STATEMENT);
        await transaction.query(INSERT_ROWS, [
          chunk.map((event) => event.seq),
          chunk.map((event) => event.at),
          chunk.map((event) => event.deviceId),
          chunk.map((event) => event.type),
          details.slice(start, start + ROWS_PER_STATEMENT),
          chunk.map((event) => event.rolloutId ?? null),
        ]);
      }
      // Copies: the caller may change what it gets without changing what a later read gives.
      return numbered.map((event) => ({ ...event, detail: { ...event.detail } }));
    });
  }

  async list(query: FleetEventQuery): Promise<FleetEvent[]> {
    if (query.limit <= 0) return [];
    const where = ['seq > $1'];
    const values: unknown[] = [query.after ?? 0];
    if (query.deviceId !== undefined) {
      values.push(query.deviceId);
      where.push(`device_id = $${values.length}`);
    }
    if (query.rolloutId !== undefined) {
      values.push(query.rolloutId);
      where.push(`rollout_id = $${values.length}`);
    }
    if (query.type !== undefined) {
      values.push(query.type);
      where.push(`type = $${values.length}`);
    }
    values.push(query.limit);
    // One of eight texts, the values bound.
    const text = `SELECT ${COLUMNS} FROM fleet_event WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${values.length}`;
    const { rows } = await this.database.query<Row>(text, values);
    return rows.map(toEvent);
  }

  async latest(deviceId: DeviceId, limit: number): Promise<FleetEvent[]> {
    if (limit <= 0) return [];
    const { rows } = await this.database.query<Row>(SELECT_LATEST, [deviceId, limit]);
    return rows.map(toEvent);
  }

  /** Waits for the appends under way (in any process) to end, so that every seq it answers is committed. */
  async lastSeq(): Promise<number> {
    return this.database.transaction(async (transaction) => {
      await transaction.query(LOCK_SHARED, [FLEET_EVENT_APPEND_LOCK_KEY.toString()]);
      const { rows } = await transaction.query<{ last_value: BigintText; is_called: boolean }>(SELECT_SEQ);
      const row = rows[0]!;
      return row.is_called ? Number(row.last_value) : Number(row.last_value) - 1;
    });
  }

  /**
   * Events naming no device by age, PRUNE_CHUNK a statement; then those naming devices,
   * DEVICES_PER_PRUNE devices a statement: each statement its own transaction, so that pruning
   * a large log never holds one long transaction.
   */
  async prune(options: { readonly before: number; readonly keepPerDevice: number }): Promise<number> {
    const keep = Math.max(0, Math.min(options.keepPerDevice, Number.MAX_SAFE_INTEGER));
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.database.query(DELETE_OLD_DEVICELESS, [options.before, PRUNE_CHUNK]);
      removed += rowCount;
      if (rowCount < PRUNE_CHUNK) break;
    }
    let after = '';
    for (;;) {
      const { rows } = await this.database.query<{ device_id: string }>(SELECT_DEVICE_PAGE, [after, DEVICES_PER_PRUNE]);
      const devices = rows.map((row) => row.device_id);
      if (devices.length > 0) {
        removed += (await this.database.query(DELETE_PRUNED, [devices, options.before, keep])).rowCount;
      }
      if (devices.length < DEVICES_PER_PRUNE) return removed;
      after = devices.at(-1)!;
    }
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    return (await this.database.query(DELETE_DEVICE, [deviceId])).rowCount;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toEvent(row: Row): FleetEvent {
  const seq = Number(row.seq);
  const at = Number(row.at);
  if (row.rollout_id === null) {
    return { seq, at, deviceId: row.device_id as DeviceId, type: row.type as DeviceEventType, detail: row.detail };
  }
  return {
    seq,
    at,
    rolloutId: row.rollout_id as RolloutId,
    deviceId: row.device_id as DeviceId | null,
    type: row.type as RolloutEventType,
    detail: row.detail,
  };
}
