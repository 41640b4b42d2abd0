import type { DeviceId } from '../domain/device-id.js';
import type { InventoryEntry, InventoryPoll } from '../domain/fleet/inventory-entry.js';

/**
 * The fleet inventory: one entry per device that ever checked (see InventoryEntry). The server
 * holds the inventory in memory and writes changed entries here, polls in batches, operators'
 * changes one by one; every write resolves once it is durable.
 */
export interface DeviceInventoryStore {
  /** Every entry in ascending id order, produced in batches so that memory stays flat. */
  list(): AsyncIterable<InventoryEntry>;
  /** Inserts the entries or replaces those with the same id, in one durable write. */
  putMany(entries: readonly InventoryEntry[]): Promise<void>;
  /**
   * Sets the poll fields of existing entries in one durable write (ids without an entry are
   * skipped): the batch of checks that changed nothing else.
   */
  recordPolls(polls: readonly InventoryPoll[]): Promise<void>;
  /** Resolves to false when there was no such entry. */
  delete(id: DeviceId): Promise<boolean>;
  /** Waits for pending writes and releases the storage. */
  close(): Promise<void>;
}

export const DEVICE_INVENTORY_STORE = Symbol.for('fuota.DeviceInventoryStore');
