import type { Migration } from '../migrations.js';

/**
 * Servers sharing the database read back the entries other servers' checks touched lately
 * (`seenSince`: a few seconds' worth every few seconds), which without this index would scan the
 * whole inventory each time.
 */
export const INVENTORY_LAST_SEEN: Migration = {
  version: 10,
  name: 'device_inventory_last_seen',
  statements: ['CREATE INDEX device_inventory_by_last_seen ON device_inventory (last_seen)'],
};
