import type { DeviceAppRecord } from '../domain/device-app-record.js';
import type { DeviceId } from '../domain/device-id.js';
import type { UpdateFilePath } from '../domain/update-file-path.js';

/**
 * The seed's `device_app` table. Every write resolves only once it is durable: an answer given
 * after `upsert` or `delete` resolved survives a crash of the process right after.
 */
export interface DeviceAppRepository {
  get(deviceId: DeviceId): Promise<DeviceAppRecord | undefined>;
  /** Every row in ascending device-id order, produced in batches so that memory stays flat. */
  list(): AsyncIterable<DeviceAppRecord>;
  /** The rows whose update file is `path`, in ascending device-id order. */
  namingFile(path: UpdateFilePath): Promise<DeviceAppRecord[]>;
  /** Inserts the row or replaces the row with the same device id. */
  upsert(record: DeviceAppRecord): Promise<void>;
  /** Inserts or replaces many rows in one durable write (used by the seed import). */
  upsertMany(records: readonly DeviceAppRecord[]): Promise<void>;
  /** Resolves to false when there was no such row. */
  delete(deviceId: DeviceId): Promise<boolean>;
  /** Waits for pending writes and releases the storage. */
  close(): Promise<void>;
}

export const DEVICE_APP_REPOSITORY = Symbol.for('fuota.DeviceAppRepository');
