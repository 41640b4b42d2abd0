import type { DeviceId } from '../../domain/device-id.js';
import { everyRecord } from './migration-log-tail.js';
import { ALL_ATTEMPTS, type MigrationStores } from './migration-stores.js';

/**
 * The device ids that may hold a credential. The DeviceCredentialStore port can only `get` by
 * id (it has no `list`), so the migration asks for every device the source knows of in any way:
 * its rows, its inventory, its attempts, events, penalty clearances, and the audit records of
 * credentials provisioned (a credential can be provisioned for a device that never checked).
 */
export async function credentialCandidates(source: MigrationStores): Promise<Set<DeviceId>> {
  const ids = new Set<DeviceId>();
  for await (const row of source.devices.list()) ids.add(row.deviceId);
  for await (const entry of source.inventory.list()) ids.add(entry.id);
  for await (const attempt of source.attempts.recent(ALL_ATTEMPTS)) ids.add(attempt.deviceId);
  for (const id of (await source.penaltyClearances.list()).keys()) ids.add(id);
  for await (const event of everyRecord(source.events)) if (event.deviceId !== null) ids.add(event.deviceId);
  for await (const record of everyRecord(source.audit))
    if (record.action.startsWith('device-credential.')) ids.add(record.target as DeviceId);
  return ids;
}
