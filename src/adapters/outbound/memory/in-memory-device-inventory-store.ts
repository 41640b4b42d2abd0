import type { DeviceId } from '../../../domain/device-id.js';
import type { InventoryEntry, InventoryPoll } from '../../../domain/fleet/inventory-entry.js';
import type { DeviceInventoryStore } from '../../../ports/device-inventory-store.port.js';

/** The fleet inventory in a Map, for tests and throw-away servers: nothing survives the process. */
export class InMemoryDeviceInventoryStore implements DeviceInventoryStore {
  private readonly entries = new Map<DeviceId, InventoryEntry>();

  async *list(): AsyncIterable<InventoryEntry> {
    // Byte order, as SQLite's default BINARY collation sorts the sql.js twin.
    const ids = [...this.entries.keys()].sort(byCodeUnit);
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined) yield copyEntry(entry);
    }
  }

  async putMany(entries: readonly InventoryEntry[]): Promise<void> {
    // Copied in and out: a caller changing its objects later changes nothing stored.
    for (const entry of entries) this.entries.set(entry.id, copyEntry(entry));
  }

  async recordPolls(polls: readonly InventoryPoll[]): Promise<void> {
    for (const { id, lastSeen, polls: count, pollIntervalMs, lastStatus } of polls) {
      const entry = this.entries.get(id);
      if (entry !== undefined) this.entries.set(id, { ...entry, lastSeen, polls: count, pollIntervalMs, lastStatus });
    }
  }

  async delete(id: DeviceId): Promise<boolean> {
    return this.entries.delete(id);
  }

  async close(): Promise<void> {}
}

function copyEntry(entry: InventoryEntry): InventoryEntry {
  return { ...entry, image: entry.image === null ? null : { ...entry.image }, tags: [...entry.tags] };
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
