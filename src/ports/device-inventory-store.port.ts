import type { DeviceId } from '../domain/device-id.js';
import type { InventoryEntry, InventorySighting, OperatorFields } from '../domain/fleet/inventory-entry.js';

/**
 * The fleet inventory: one entry per device that ever checked (see InventoryEntry). Each server
 * holds the inventory in memory and writes what its checks changed here, in batches, and
 * operators' changes one by one; several servers' writes of one entry combine as
 * inventory-merge.ts says. Every write resolves once it is durable.
 */
export interface DeviceInventoryStore {
  /** Every entry in ascending id order, produced in batches so that memory stays flat. */
  list(): AsyncIterable<InventoryEntry>;
  /** The entries of these ids that exist, in ascending id order. */
  getMany(ids: readonly DeviceId[]): Promise<InventoryEntry[]>;
  /** Every entry last seen at or after `at` (epoch ms), in ascending id order, in batches. */
  seenSince(at: number): AsyncIterable<InventoryEntry>;
  /** Inserts the entries or replaces those with the same id, whole, in one durable write. */
  putMany(entries: readonly InventoryEntry[]): Promise<void>;
  /** Merges checks into entries, inserting those that are new (mergeSighting), in one durable write. */
  recordSightings(sightings: readonly InventorySighting[]): Promise<void>;
  /**
   * Sets the operators' fields that `update` returns, worked out from those fields as stored, in
   * one step that no other write of the entry comes between (another server's included): two
   * operators adding a tag each on two servers both keep theirs. The fields `update` leaves out,
   * and every check field, stay as stored. `update` is called once when the entry exists; it
   * returns undefined to change nothing, and may throw to refuse (nothing is written, the error
   * is this call's). Resolves to the entry as stored after, undefined when there is none.
   */
  updateOperatorFields(
    id: DeviceId,
    update: (stored: OperatorFields) => Partial<OperatorFields> | undefined,
  ): Promise<InventoryEntry | undefined>;
  /** Resolves to false when there was no such entry. */
  delete(id: DeviceId): Promise<boolean>;
  /** Waits for pending writes and releases the storage. */
  close(): Promise<void>;
}

export const DEVICE_INVENTORY_STORE = Symbol.for('fuota.DeviceInventoryStore');
