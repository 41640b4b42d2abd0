import type { DeviceAppRecord } from '../../../domain/device-app-record.js';
import type { DeviceId } from '../../../domain/device-id.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { DeviceAppRepository } from '../../../ports/device-app-repository.port.js';

/** A production-quality fake for tests and throw-away servers: nothing survives the process. */
export class InMemoryDeviceAppRepository implements DeviceAppRepository {
  private readonly rows = new Map<DeviceId, DeviceAppRecord>();

  async get(deviceId: DeviceId): Promise<DeviceAppRecord | undefined> {
    return this.rows.get(deviceId);
  }

  async *list(): AsyncIterable<DeviceAppRecord> {
    // Byte order, as SQLite's default BINARY collation sorts the sql.js twin.
    const ids = [...this.rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row !== undefined) yield row;
    }
  }

  async namingFile(path: UpdateFilePath): Promise<DeviceAppRecord[]> {
    const rows: DeviceAppRecord[] = [];
    for await (const record of this.list()) if (record.updateFilePath === path) rows.push(record);
    return rows;
  }

  async upsert(record: DeviceAppRecord): Promise<void> {
    this.rows.set(record.deviceId, record);
  }

  async upsertMany(records: readonly DeviceAppRecord[]): Promise<void> {
    for (const record of records) this.rows.set(record.deviceId, record);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return this.rows.delete(deviceId);
  }

  async close(): Promise<void> {}
}
