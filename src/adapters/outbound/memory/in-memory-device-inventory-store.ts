import type { DeviceId } from '../../../domain/device-id.js';
import type { InventoryEntry, InventorySighting, OperatorFields } from '../../../domain/fleet/inventory-entry.js';
import { mergeSighting } from '../../../domain/fleet/inventory-merge.js';
import type { DeviceInventoryStore } from '../../../ports/device-inventory-store.port.js';

/** The fleet inventory in a Map, for tests and throw-away servers: nothing survives the process. */
export class InMemoryDeviceInventoryStore implements DeviceInventoryStore {
  private readonly entries = new Map<DeviceId, InventoryEntry>();

  async *list(): AsyncIterable<InventoryEntry> {
    yield* this.sorted(() => true);
  }

  async getMany(ids: readonly DeviceId[]): Promise<InventoryEntry[]> {
    const found = [...new Set(ids)].sort(byCodeUnit).flatMap((id) => {
      const entry = this.entries.get(id);
      return entry === undefined ? [] : [copyEntry(entry)];
    });
    return found;
  }

  async *seenSince(at: number): AsyncIterable<InventoryEntry> {
    yield* this.sorted((entry) => entry.lastSeen >= at);
  }

  async putMany(entries: readonly InventoryEntry[]): Promise<void> {
    // Copied in and out: a caller changing its objects later changes nothing stored.
    for (const entry of entries) this.entries.set(entry.id, copyEntry(entry));
  }

  async recordSightings(sightings: readonly InventorySighting[]): Promise<void> {
    for (const sighting of sightings) {
      this.entries.set(sighting.id, copyEntry(mergeSighting(this.entries.get(sighting.id), sighting)));
    }
  }

  async updateOperatorFields(
    id: DeviceId,
    update: (stored: OperatorFields) => Partial<OperatorFields> | undefined,
  ): Promise<InventoryEntry | undefined> {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    // Read and written with no await between: no other write can come in the middle.
    const fields = update({ tags: [...entry.tags], hold: entry.hold, note: entry.note });
    if (fields === undefined) return copyEntry(entry);
    const changed = copyEntry({
      ...entry,
      tags: fields.tags ?? entry.tags,
      hold: fields.hold ?? entry.hold,
      note: fields.note ?? entry.note,
    });
    this.entries.set(id, changed);
    return copyEntry(changed);
  }

  async delete(id: DeviceId): Promise<boolean> {
    return this.entries.delete(id);
  }

  async close(): Promise<void> {}

  private *sorted(keep: (entry: InventoryEntry) => boolean): Iterable<InventoryEntry> {
    // Byte order, as SQLite's default BINARY collation sorts the sql.js twin.
    const ids = [...this.entries.keys()].sort(byCodeUnit);
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined && keep(entry)) yield copyEntry(entry);
    }
  }
}

function copyEntry(entry: InventoryEntry): InventoryEntry {
  return { ...entry, image: entry.image === null ? null : { ...entry.image }, tags: [...entry.tags] };
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
