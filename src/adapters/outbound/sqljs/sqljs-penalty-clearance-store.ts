import type { DeviceId } from '../../../domain/device-id.js';
import type { PenaltyClearanceStore } from '../../../ports/penalty-clearance-store.port.js';
import type { SchemaStep } from './sqljs-database.js';
import { SqlJsDatabase } from './sqljs-database.js';

// One row per device an operator cleared; `cleared_at` is epoch ms.
export const PENALTY_CLEARANCE_SCHEMA: readonly SchemaStep[] = [
  'CREATE TABLE IF NOT EXISTS penalty_clearance (device_id TEXT PRIMARY KEY, cleared_at INTEGER NOT NULL)',
];
const SELECT_ALL = 'SELECT device_id, cleared_at FROM penalty_clearance ORDER BY device_id';
const SELECT_ONE = 'SELECT 1 FROM penalty_clearance WHERE device_id = ?';
const UPSERT = 'INSERT OR REPLACE INTO penalty_clearance (device_id, cleared_at) VALUES (?, ?)';
const DELETE = 'DELETE FROM penalty_clearance WHERE device_id = ?';

/** Penalty clearances in a `penalty_clearance` table of the sql.js database. */
export class SqlJsPenaltyClearanceStore implements PenaltyClearanceStore {
  /** `ownsDatabase`: closing the store closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with this table only (creating both when missing). */
  static async open(file: string): Promise<SqlJsPenaltyClearanceStore> {
    return new SqlJsPenaltyClearanceStore(await SqlJsDatabase.open(file, PENALTY_CLEARANCE_SCHEMA), true);
  }

  async list(): Promise<ReadonlyMap<DeviceId, number>> {
    return new Map(this.database.all(SELECT_ALL, [], (row) => [String(row[0]) as DeviceId, Number(row[1])] as const));
  }

  async put(deviceId: DeviceId, at: number): Promise<void> {
    await this.database.write([[UPSERT, [deviceId, at]]]);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    if (this.database.all(SELECT_ONE, [deviceId], () => true).length === 0) return false;
    return (await this.database.write([[DELETE, [deviceId]]])) > 0;
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}
