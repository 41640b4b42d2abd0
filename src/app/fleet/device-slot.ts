import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';

/**
 * One device as a server holds it: its inventory entry and its checks not yet durable, together,
 * so that a check finds all it changes with one lookup and a batch reaches each device's counts
 * without any: with a large fleet, each lookup in a map of every device misses the CPU's caches.
 */
export interface DeviceSlot {
  entry: InventoryEntry;
  /**
   * Checks not written yet (with what the latest of them set): the next batch writes them as the
   * device's sighting. Written as counts, so that several servers' checks of one device add up
   * in storage (inventory-merge.ts).
   */
  unwritten: number;
  /** Checks in a write under way (taken out of `unwritten`; back in if it fails). */
  writing: number;
  /**
   * Whether the unwritten checks changed more than the poll fields (a new entry, another version,
   * address, authentication, image or answer): the others' sightings are `pollOnly`.
   */
  reshaped: boolean;
  /** Forgotten (here or by another server): a write under way settles nothing here any more. */
  gone: boolean;
  /** Named for the next batch (in the tracker's list of slots to write): named once at most. */
  queued: boolean;
  /**
   * Which reading of the seed rows' ids (counted from 1; 0 for none) the device's last check was
   * noted in, and whether as assigned: a check that finds the same needs no look into those ids
   * (a large set, see above). Set back to 0 by any other change of the device's assignment.
   */
  notedIn: number;
  notedAssigned: boolean;
}

export function deviceSlot(entry: InventoryEntry): DeviceSlot {
  return {
    entry,
    unwritten: 0,
    writing: 0,
    reshaped: false,
    gone: false,
    queued: false,
    notedIn: 0,
    notedAssigned: false,
  };
}
