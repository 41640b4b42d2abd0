import type { DeviceId } from '../../../domain/device-id.js';
import type { PenaltyClearanceStore } from '../../../ports/penalty-clearance-store.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

interface Row {
  readonly device_id: string;
  /** A bigint: node-postgres hands it over as text. */
  readonly cleared_at: string;
}

const SELECT_ALL = 'SELECT device_id, cleared_at FROM penalty_clearance ORDER BY device_id';
const UPSERT =
  'INSERT INTO penalty_clearance (device_id, cleared_at) VALUES ($1, $2) ' +
  'ON CONFLICT (device_id) DO UPDATE SET cleared_at = excluded.cleared_at';
const DELETE = 'DELETE FROM penalty_clearance WHERE device_id = $1';

/** Penalty clearances in PostgreSQL's `penalty_clearance` table (migration 4). */
export class PostgresPenaltyClearanceStore implements PenaltyClearanceStore {
  /** `ownsDatabase`: closing the store closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the store is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresPenaltyClearanceStore> {
    return new PostgresPenaltyClearanceStore(await PostgresDatabase.open(url, options), true);
  }

  /** A new map each time, from the committed rows. */
  async list(): Promise<ReadonlyMap<DeviceId, number>> {
    const { rows } = await this.database.query<Row>(SELECT_ALL);
    return new Map(rows.map((row) => [row.device_id as DeviceId, Number(row.cleared_at)] as const));
  }

  async put(deviceId: DeviceId, at: number): Promise<void> {
    await this.database.query(UPSERT, [deviceId, at]);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return (await this.database.query(DELETE, [deviceId])).rowCount > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
