import type { AuditRecord } from '../../domain/audit/audit-record.js';
import { everyRecord } from './migration-log-tail.js';
import { ALL_ATTEMPTS, type MigratedTable, type MigrationStores } from './migration-stores.js';

/** How many rows each table holds (files are counted by the files verification). */
export type TableCounts = Readonly<Record<Exclude<MigratedTable, 'files'>, number>>;

async function count(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _item of items) n += 1;
  return n;
}

/** Counts one side's tables; audit records `ignored` (the migration's own) are not counted. */
export async function countTables(
  stores: MigrationStores,
  ignored: (record: AuditRecord) => boolean = () => false,
): Promise<TableCounts> {
  let audit = 0;
  for await (const record of everyRecord(stores.audit)) if (!ignored(record)) audit += 1;
  return {
    catalog: await count(stores.catalog.list()),
    devices: await count(stores.devices.list()),
    deviceCredentials: await count(stores.deviceCredentials.list()),
    inventory: await count(stores.inventory.list()),
    attempts: await count(stores.attempts.recent(ALL_ATTEMPTS)),
    penaltyClearances: (await stores.penaltyClearances.list()).size,
    trustedKeys: (await stores.trustedKeys.list()).length,
    rollouts: (await stores.rollouts.list()).length,
    events: await count(everyRecord(stores.events)),
    audit,
  };
}
