import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import { InMemoryBlobStore } from '../../adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceCredentialStore } from '../../adapters/outbound/memory/in-memory-device-credential-store.js';
import { InMemoryDeviceAppRepository } from '../../adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../adapters/outbound/memory/in-memory-update-file-catalog.js';
import { SqlJsDatabase } from '../../adapters/outbound/sqljs/sqljs-database.js';
import {
  DEVICE_APP_SCHEMA,
  SqlJsDeviceAppRepository,
} from '../../adapters/outbound/sqljs/sqljs-device-app-repository.js';
import {
  DEVICE_CREDENTIAL_SCHEMA,
  SqlJsDeviceCredentialStore,
} from '../../adapters/outbound/sqljs/sqljs-device-credential-store.js';
import {
  DEVICE_INVENTORY_SCHEMA,
  SqlJsDeviceInventoryStore,
} from '../../adapters/outbound/sqljs/sqljs-device-inventory-store.js';
import { FLEET_EVENT_SCHEMA, SqlJsFleetEventLog } from '../../adapters/outbound/sqljs/sqljs-fleet-event-log.js';
import { AUDIT_SCHEMA, SqlJsAuditLog } from '../../adapters/outbound/sqljs/sqljs-audit-log.js';
import { InMemoryAuditLog } from '../../adapters/outbound/memory/in-memory-audit-log.js';
import type { AuditLog } from '../../ports/audit-log.port.js';
import {
  SqlJsUpdateAttemptStore,
  UPDATE_ATTEMPT_SCHEMA,
} from '../../adapters/outbound/sqljs/sqljs-update-attempt-store.js';
import { InMemoryPenaltyClearanceStore } from '../../adapters/outbound/memory/in-memory-penalty-clearance-store.js';
import { InMemoryRolloutStore } from '../../adapters/outbound/memory/in-memory-rollout-store.js';
import {
  PENALTY_CLEARANCE_SCHEMA,
  SqlJsPenaltyClearanceStore,
} from '../../adapters/outbound/sqljs/sqljs-penalty-clearance-store.js';
import { ROLLOUT_SCHEMA, SqlJsRolloutStore } from '../../adapters/outbound/sqljs/sqljs-rollout-store.js';
import type { PenaltyClearanceStore } from '../../ports/penalty-clearance-store.port.js';
import type { RolloutStore } from '../../ports/rollout-store.port.js';
import { InMemoryDeviceInventoryStore } from '../../adapters/outbound/memory/in-memory-device-inventory-store.js';
import { InMemoryFleetEventLog } from '../../adapters/outbound/memory/in-memory-fleet-event-log.js';
import { InMemoryUpdateAttemptStore } from '../../adapters/outbound/memory/in-memory-update-attempt-store.js';
import type { DeviceInventoryStore } from '../../ports/device-inventory-store.port.js';
import type { FleetEventLog } from '../../ports/fleet-event-log.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import { SqlJsUpdateFileCatalog, UPDATE_FILE_SCHEMA } from '../../adapters/outbound/sqljs/sqljs-update-file-catalog.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import type { HealthCheck } from '../../ports/health-check.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import type { DataLayout } from '../config/data-layout.js';

/** The stores the use cases work on, and how to release them. */
export interface Storage {
  readonly devices: DeviceAppRepository;
  readonly files: BlobStore;
  readonly catalog: UpdateFileCatalog;
  readonly deviceCredentials: DeviceCredentialStore;
  /** The fleet inventory, its update attempts and events. */
  readonly inventory: DeviceInventoryStore;
  readonly attempts: UpdateAttemptStore;
  readonly events: FleetEventLog;
  /** Every operator change: who, what, when, from where. */
  readonly audit: AuditLog;
  /** Rollouts (definition and state), and when operators cleared devices' penalty boxes. */
  readonly rollouts: RolloutStore;
  readonly penaltyClearances: PenaltyClearanceStore;
  /** What `/healthz` asks: can the database and the file store read and write now? */
  readonly healthChecks: readonly HealthCheck[];
  /** Waits for pending writes, then releases everything. */
  close(): Promise<void>;
}

/**
 * The embedded default: one sql.js database file (devices.db) for every table, files below files/.
 * Journal bytes that replay skipped are logged to `logger` as warnings. `onJournalTaken` hears
 * that another process took the journal over (so the data dir lock was lost).
 */
export async function openDiskStorage(
  layout: DataLayout,
  logger?: Logger,
  onJournalTaken?: (error: Error) => void,
): Promise<Storage> {
  const files = await FileSystemBlobStore.open(layout.filesDir);
  const database = await SqlJsDatabase.open(
    layout.databaseFile,
    [
      ...DEVICE_APP_SCHEMA,
      ...UPDATE_FILE_SCHEMA,
      ...DEVICE_CREDENTIAL_SCHEMA,
      ...DEVICE_INVENTORY_SCHEMA,
      ...UPDATE_ATTEMPT_SCHEMA,
      ...FLEET_EVENT_SCHEMA,
      ...AUDIT_SCHEMA,
      ...ROLLOUT_SCHEMA,
      ...PENALTY_CLEARANCE_SCHEMA,
    ],
    {
      ...(onJournalTaken === undefined ? {} : { onJournalTaken }),
      onCheckpoint: (event) => {
        if (event.kind === 'recovered')
          logger?.info('a checkpoint wrote the database file again; the journal is folded into it');
        else
          logger?.warn(
            'a checkpoint could not write the database file; nothing is lost, but the journal grows (and the next start replays it) until one succeeds',
            {
              error: event.error,
              journalBytes: event.journalBytes,
            },
          );
      },
    },
  );
  for (const { reason, ...fields } of database.recovery) {
    logger?.warn(
      reason === 'torn'
        ? 'the database journal holds a damaged record; replay skipped it and everything after it in that segment'
        : 'the database journal holds writes that failed (never acknowledged); replay skipped them',
      { ...fields },
    );
  }
  return {
    devices: new SqlJsDeviceAppRepository(database),
    catalog: new SqlJsUpdateFileCatalog(database),
    deviceCredentials: new SqlJsDeviceCredentialStore(database),
    inventory: new SqlJsDeviceInventoryStore(database),
    attempts: new SqlJsUpdateAttemptStore(database),
    events: new SqlJsFleetEventLog(database),
    audit: new SqlJsAuditLog(database),
    rollouts: new SqlJsRolloutStore(database),
    penaltyClearances: new SqlJsPenaltyClearanceStore(database),
    healthChecks: [
      { name: 'database', check: () => database.checkHealth() },
      { name: 'files', check: () => files.checkHealth() },
    ],
    files,
    close: async () => {
      await database.close();
      await files.close();
    },
  };
}

/** Nothing on disk: for tests and experiments. */
export function memoryStorage(): Storage {
  return {
    devices: new InMemoryDeviceAppRepository(),
    files: new InMemoryBlobStore(),
    catalog: new InMemoryUpdateFileCatalog(),
    deviceCredentials: new InMemoryDeviceCredentialStore(),
    inventory: new InMemoryDeviceInventoryStore(),
    attempts: new InMemoryUpdateAttemptStore(),
    events: new InMemoryFleetEventLog(),
    audit: new InMemoryAuditLog(),
    rollouts: new InMemoryRolloutStore(),
    penaltyClearances: new InMemoryPenaltyClearanceStore(),
    // Memory can always be read and written while the process runs.
    healthChecks: [],
    close: async () => {},
  };
}
