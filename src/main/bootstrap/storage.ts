import { InMemoryBlobStore } from '../../adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceCredentialStore } from '../../adapters/outbound/memory/in-memory-device-credential-store.js';
import { InMemoryDeviceAppRepository } from '../../adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../adapters/outbound/memory/in-memory-update-file-catalog.js';
import { InMemoryAuditLog } from '../../adapters/outbound/memory/in-memory-audit-log.js';
import { InMemoryTrustedKeyStore } from '../../adapters/outbound/memory/in-memory-trusted-key-store.js';
import { InMemoryPenaltyClearanceStore } from '../../adapters/outbound/memory/in-memory-penalty-clearance-store.js';
import { InMemoryRolloutStore } from '../../adapters/outbound/memory/in-memory-rollout-store.js';
import { InMemoryDeviceInventoryStore } from '../../adapters/outbound/memory/in-memory-device-inventory-store.js';
import { InMemoryFleetEventLog } from '../../adapters/outbound/memory/in-memory-fleet-event-log.js';
import { InMemoryUpdateAttemptStore } from '../../adapters/outbound/memory/in-memory-update-attempt-store.js';
import type { StorageSettings } from '../../app/config/storage-settings.js';
import { InMemoryOperatorSessionStore } from '../../adapters/outbound/memory/in-memory-operator-session-store.js';
import { InMemoryChangeBus } from '../../adapters/outbound/memory/in-memory-change-bus.js';
import { InProcessRolloutLocks } from '../../adapters/outbound/memory/in-process-rollout-locks.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { HealthCheck } from '../../ports/health-check.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PoolUsage, StorageObserver } from '../../ports/storage-observer.port.js';
import type { DataLayout } from '../config/data-layout.js';
import type { DeltaPatchStore } from '../../ports/delta-patch-store.port.js';
import { BlobDeltaPatchStore } from '../../adapters/outbound/delta/blob-delta-patch-store.js';
import { type BlobStorage, openFilesystemBlobs } from './blob-storage.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import type { StateStores } from './state-stores.js';

/** The stores the use cases work on, and how to release them. */
export interface Storage extends Omit<StateStores, 'health' | 'close' | 'poolUsage'> {
  /** The database's connection pool now (PostgreSQL), for the metrics. */
  readonly poolUsage?: (() => PoolUsage) | undefined;
  readonly files: BlobStore;
  /** Delta patches' bytes (beside the update files: the data dir's deltas/, or the bucket's .deltas/). */
  readonly deltas: DeltaPatchStore;
  /** What `/healthz` asks: can the database and the file store read and write now? */
  readonly healthChecks: readonly HealthCheck[];
  /** Waits for pending writes, then releases everything. */
  close(): Promise<void>;
}

/**
 * The storage the settings name: PostgreSQL or the embedded database in the data dir, an
 * S3-compatible bucket or the data dir's files directory (any of the four pairs). The adapters
 * of PostgreSQL and the bucket are loaded only when named: a server on the embedded defaults
 * never holds node-postgres or the AWS SDK in its heap. `logger` hears
 * of the embedded database's recovery and checkpoints; `onJournalTaken` that another process
 * took its journal over (so the data dir lock was lost); `observer` how long each request to
 * PostgreSQL or the bucket took. `asWorker`: this process is one of FUOTA_WORKERS' workers,
 * sharing the data dir's files directory with its siblings.
 */
export async function openStorage(
  settings: StorageSettings,
  layout: DataLayout,
  logger?: Logger,
  onJournalTaken?: (error: Error) => void,
  observer?: StorageObserver,
  asWorker = false,
): Promise<Storage> {
  const blobs =
    settings.blobs === undefined
      ? await openFilesystemBlobs(layout.filesDir, layout.deltasDir, asWorker)
      : await (await import('./s3-blob-storage.js')).openS3Blobs(settings.blobs, observer);
  let state: StateStores;
  try {
    state =
      settings.database === undefined
        ? await openEmbeddedDatabase(layout.databaseFile, logger, onJournalTaken)
        : await (
            await import('./postgres-state-stores.js')
          ).openPostgresStateStores(settings.database, logger, observer);
  } catch (error) {
    await blobs.close();
    throw error;
  }
  return combined(state, blobs);
}

/** The embedded default: one sql.js database file (devices.db) for every table, files below files/. */
export function openDiskStorage(
  layout: DataLayout,
  logger?: Logger,
  onJournalTaken?: (error: Error) => void,
): Promise<Storage> {
  return openStorage({ database: undefined, blobs: undefined }, layout, logger, onJournalTaken);
}

/** One database's stores with one blob store. */
export function combined(state: StateStores, blobs: BlobStorage): Storage {
  const { health, close, poolUsage, ...stores } = state;
  return {
    ...stores,
    poolUsage,
    files: blobs.files,
    deltas: blobs.deltas,
    healthChecks: health === undefined ? [blobs.health] : [health, blobs.health],
    close: async () => {
      await close();
      await blobs.close();
    },
  };
}

/** Nothing on disk: for tests and experiments. */
export function memoryStorage(): Storage {
  return {
    devices: new InMemoryDeviceAppRepository(),
    files: new InMemoryBlobStore(),
    deltas: new BlobDeltaPatchStore(new InMemoryBlobStore()),
    catalog: new InMemoryUpdateFileCatalog(),
    deviceCredentials: new InMemoryDeviceCredentialStore(),
    inventory: new InMemoryDeviceInventoryStore(),
    attempts: new InMemoryUpdateAttemptStore(),
    events: new InMemoryFleetEventLog(),
    audit: new InMemoryAuditLog(),
    rollouts: new InMemoryRolloutStore(),
    penaltyClearances: new InMemoryPenaltyClearanceStore(),
    trustedKeys: new InMemoryTrustedKeyStore(),
    sessions: new InMemoryOperatorSessionStore(),
    changes: new InMemoryChangeBus().feed(),
    rolloutLocks: new InProcessRolloutLocks(),
    // Memory can always be read and written while the process runs.
    healthChecks: [],
    close: async () => {},
  };
}
