import type { SqlValue } from 'sql.js';
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
import type { JournalStatement, SchemaStep } from './sqljs-database.js';
import { addedColumn, SqlJsDatabase } from './sqljs-database.js';

// `at` is epoch ms, `detail` a JSON object. `fleet_event_seq` holds one row: the greatest seq
// ever given, so that pruning the newest events never lets a seq be given twice.
//
// A rollout's event has its `rollout_id` (null for a device's event: the column came with
// rollouts, and a database made before them gets it added). One that names no device has the
// empty string for `device_id`, not NULL: the column is NOT NULL, which SQLite can only drop by
// copying the whole table, and no device id is empty (they are 1-64 characters). Pruning and
// `latest`, which go by device id, therefore never take it for a device's.
export const FLEET_EVENT_SCHEMA: readonly SchemaStep[] = [
  'CREATE TABLE IF NOT EXISTS fleet_event (' +
    'seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, device_id TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL, ' +
    'rollout_id TEXT)',
  addedColumn('fleet_event', 'rollout_id', 'TEXT'),
  'CREATE INDEX IF NOT EXISTS fleet_event_by_device ON fleet_event (device_id, seq)',
  'CREATE INDEX IF NOT EXISTS fleet_event_by_time ON fleet_event (at)',
  'CREATE INDEX IF NOT EXISTS fleet_event_by_rollout ON fleet_event (rollout_id, seq) WHERE rollout_id IS NOT NULL',
  'CREATE TABLE IF NOT EXISTS fleet_event_seq (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL)',
];
/** The `device_id` of an event that names no device. */
const NO_DEVICE = '';
const COLUMNS = 'seq, at, device_id, type, detail, rollout_id';
/**
 * A whole batch in one statement with one JSON parameter (see SqlJsDeviceInventoryStore). The
 * seqs are in the statement as given, so a replay from the journal gives the same ones.
 */
const APPEND_BATCH =
  `INSERT OR REPLACE INTO fleet_event (${COLUMNS}) ` +
  'SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each(?)';
const RAISE_SEQ =
  'INSERT INTO fleet_event_seq (id, seq) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)';
const SELECT_SEQ =
  'SELECT max(coalesce((SELECT seq FROM fleet_event_seq WHERE id = 0), 0), coalesce((SELECT max(seq) FROM fleet_event), 0))';
const SELECT_LATEST = `SELECT ${COLUMNS} FROM fleet_event WHERE device_id = ? ORDER BY seq DESC LIMIT ?`;
const COUNT_FOR_DEVICE = 'SELECT count(*) FROM fleet_event WHERE device_id = ?';
const DELETE_DEVICE = 'DELETE FROM fleet_event WHERE device_id = ?';
/** The device id `?2` + 1 rows after `?1` in device order: the end of the next range pruning looks at. */
const SELECT_RANGE_END = 'SELECT device_id FROM fleet_event WHERE device_id > ? ORDER BY device_id LIMIT 1 OFFSET ?';
/** Of the devices in (`?1`, `?2`], the events older than `?3` and those past each device's newest `?4`. */
const SELECT_DOOMED_BOUNDED =
  'SELECT seq FROM (SELECT seq, at, ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY seq DESC) AS newer ' +
  'FROM fleet_event WHERE device_id > ?1 AND device_id <= ?2) WHERE at < ?3 OR newer > ?4';
/** The same for every device after `?1`. */
const SELECT_DOOMED_REST =
  'SELECT seq FROM (SELECT seq, at, ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY seq DESC) AS newer ' +
  'FROM fleet_event WHERE device_id > ?1) WHERE at < ?2 OR newer > ?3';
/** Events naming no device older than `?1`, at most `?2` (the oldest first: `at` is about seq order). */
const SELECT_DOOMED_DEVICELESS = `SELECT seq FROM fleet_event WHERE device_id = '${NO_DEVICE}' AND at < ?1 LIMIT ?2`;
/** By key: a replay from the journal removes exactly these. */
const DELETE_SEQS = 'DELETE FROM fleet_event WHERE seq IN (SELECT value FROM json_each(?))';
const ROWS_PER_STATEMENT = 5000;
/** Events looked at (about), and at most deleted, per write of `prune`; the event loop runs between. */
const PRUNE_CHUNK = 5000;

/** The fleet's events in a `fleet_event` table of the sql.js database. */
export class SqlJsFleetEventLog implements FleetEventLog {
  /** The greatest seq given or reserved by an append under way; read from the database at first use. */
  private reserved: number | undefined;

  /** `ownsDatabase`: closing the log closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with these tables only (creating them when missing). */
  static async open(file: string): Promise<SqlJsFleetEventLog> {
    return new SqlJsFleetEventLog(await SqlJsDatabase.open(file, FLEET_EVENT_SCHEMA), true);
  }

  async append(events: readonly NewLoggedEvent[]): Promise<FleetEvent[]> {
    if (events.length === 0) return [];
    // Journaled without being tried first (below): the one value SQLite could refuse (a time that
    // is no number, written as null into a NOT NULL column) is refused here, before any seq is taken.
    const untimed = events.find((event) => !Number.isFinite(event.at));
    if (untimed !== undefined) throw new TypeError(`a fleet event's time must be a finite number, not ${untimed.at}`);
    // Reserved before the first await: concurrent appends never share a seq. Seqs of an append
    // that fails are never given (the next append starts past them), so none is given twice.
    let seq = this.reserved ?? this.durableSeq();
    const numbered: FleetEvent[] = events.map((event) => {
      seq += 1;
      const detail = { ...event.detail };
      return event.rolloutId === undefined
        ? { seq, at: event.at, deviceId: event.deviceId, type: event.type, detail }
        : { seq, at: event.at, rolloutId: event.rolloutId, deviceId: event.deviceId, type: event.type, detail };
    });
    this.reserved = seq;
    const statements: JournalStatement[] = [];
    for (let start = 0; start < numbered.length; start += ROWS_PER_STATEMENT) {
      const rows = numbered
        .slice(start, start + ROWS_PER_STATEMENT)
        .map((event) => [
          event.seq,
          event.at,
          event.deviceId ?? NO_DEVICE,
          event.type,
          event.detail,
          event.rolloutId ?? null,
        ]);
      statements.push([APPEND_BATCH, [JSON.stringify(rows)]]);
    }
    statements.push([RAISE_SEQ, [seq]]);
    // Values this adapter typed (times checked above) in an INSERT OR REPLACE and an upsert:
    // nothing SQLite refuses, so not tried before they are journaled (a burst of first-seen
    // events ran every insert twice).
    await this.database.write(statements, undefined, { trusted: true });
    return numbered.map(copy);
  }

  async list(query: FleetEventQuery): Promise<FleetEvent[]> {
    if (query.limit <= 0) return [];
    const where = ['seq > ?'];
    const params: SqlValue[] = [query.after ?? 0];
    if (query.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(query.deviceId);
    }
    if (query.rolloutId !== undefined) {
      where.push('rollout_id = ?');
      params.push(query.rolloutId);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    params.push(query.limit);
    // One of eight texts, each prepared once by the database.
    const sql = `SELECT ${COLUMNS} FROM fleet_event WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`;
    return this.database.all(sql, params, toEvent);
  }

  async latest(deviceId: DeviceId, limit: number): Promise<FleetEvent[]> {
    if (limit <= 0) return [];
    return this.database.all(SELECT_LATEST, [deviceId, limit], toEvent);
  }

  async lastSeq(): Promise<number> {
    return this.durableSeq();
  }

  async prune(options: { readonly before: number; readonly keepPerDevice: number }): Promise<number> {
    const keep = Math.max(0, options.keepPerDevice);
    let removed = 0;
    // Events naming no device, by age only, a chunk at a time.
    for (;;) {
      const doomed = this.database.all(SELECT_DOOMED_DEVICELESS, [options.before, PRUNE_CHUNK], (row) =>
        Number(row[0]),
      );
      if (doomed.length > 0) removed += await this.database.write([[DELETE_SEQS, [JSON.stringify(doomed)]]]);
      if (doomed.length < PRUNE_CHUNK) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Then device range by device range (the empty device id comes before them all), each about
    // PRUNE_CHUNK events (more when its last device has many): no one query reads the whole
    // table, and the event loop runs between ranges.
    let after = '';
    for (;;) {
      const [end] = this.database.all(SELECT_RANGE_END, [after, PRUNE_CHUNK - 1], (row) => String(row[0]));
      const doomed =
        end === undefined
          ? this.database.all(SELECT_DOOMED_REST, [after, options.before, keep], (row) => Number(row[0]))
          : this.database.all(SELECT_DOOMED_BOUNDED, [after, end, options.before, keep], (row) => Number(row[0]));
      for (let start = 0; start < doomed.length; start += PRUNE_CHUNK) {
        const seqs = doomed.slice(start, start + PRUNE_CHUNK);
        removed += await this.database.write([[DELETE_SEQS, [JSON.stringify(seqs)]]]);
      }
      if (end === undefined) return removed;
      after = end;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    if (deviceId === NO_DEVICE) return 0;
    const [count] = this.database.all(COUNT_FOR_DEVICE, [deviceId], (row) => Number(row[0]));
    if (count === undefined || count === 0) return 0;
    return this.database.write([[DELETE_DEVICE, [deviceId]]]);
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }

  /** The greatest seq durably given (the high-water row, or the newest event if greater). */
  private durableSeq(): number {
    return this.database.all(SELECT_SEQ, [], (row) => Number(row[0]))[0] ?? 0;
  }
}

function copy(event: FleetEvent): FleetEvent {
  return { ...event, detail: { ...event.detail } };
}

function toEvent(row: SqlValue[]): FleetEvent {
  const seq = Number(row[0]);
  const at = Number(row[1]);
  const device = String(row[2]);
  const detail = JSON.parse(String(row[4])) as FleetEventDetail;
  if (row[5] === null) {
    return { seq, at, deviceId: device as DeviceId, type: String(row[3]) as DeviceEventType, detail };
  }
  return {
    seq,
    at,
    rolloutId: String(row[5]) as RolloutId,
    deviceId: device === NO_DEVICE ? null : (device as DeviceId),
    type: String(row[3]) as RolloutEventType,
    detail,
  };
}
