import type { AuditLog } from '../../ports/audit-log.port.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import type { DeviceInventoryStore } from '../../ports/device-inventory-store.port.js';
import type { FleetEventLog } from '../../ports/fleet-event-log.port.js';
import type { PenaltyClearanceStore } from '../../ports/penalty-clearance-store.port.js';
import type { RolloutStore } from '../../ports/rollout-store.port.js';
import type { TrustedKeyStore } from '../../ports/trusted-key-store.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';

/** Every store a migration reads (its source) or writes (its target): the server's whole state. */
export interface MigrationStores {
  readonly devices: DeviceAppRepository;
  readonly files: BlobStore;
  readonly catalog: UpdateFileCatalog;
  readonly deviceCredentials: DeviceCredentialStore;
  readonly inventory: DeviceInventoryStore;
  readonly attempts: UpdateAttemptStore;
  readonly events: FleetEventLog;
  readonly audit: AuditLog;
  readonly rollouts: RolloutStore;
  readonly penaltyClearances: PenaltyClearanceStore;
  readonly trustedKeys: TrustedKeyStore;
}

/** The tables a migration copies and counts, in the order it copies them. */
export const MIGRATED_TABLES = [
  'files',
  'catalog',
  'devices',
  'deviceCredentials',
  'inventory',
  'attempts',
  'penaltyClearances',
  'trustedKeys',
  'rollouts',
  'events',
  'audit',
] as const;

export type MigratedTable = (typeof MIGRATED_TABLES)[number];

/** Writes go in batches of this many rows: each one durable write, memory flat. */
export const MIGRATION_BATCH = 500;

/** Every attempt a store holds (`recent` with no practical per-device limit). */
export const ALL_ATTEMPTS = 2_147_483_647;

/** `items` in arrays of at most `size`. */
export async function* batches<T>(items: AsyncIterable<T> | Iterable<T>, size = MIGRATION_BATCH): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
