import type { PostgresSettings } from '../../app/config/storage-settings.js';
import { PostgresAuditLog } from '../../adapters/outbound/postgres/postgres-audit-log.js';
import { PostgresDatabase } from '../../adapters/outbound/postgres/postgres-database.js';
import { PostgresRolloutLocks } from '../../adapters/outbound/postgres/postgres-rollout-locks.js';
import { PostgresChangeFeed } from '../../adapters/outbound/postgres/postgres-change-feed.js';
import { PostgresDeviceAppRepository } from '../../adapters/outbound/postgres/postgres-device-app-repository.js';
import { PostgresDeviceCredentialStore } from '../../adapters/outbound/postgres/postgres-device-credential-store.js';
import { PostgresDeviceInventoryStore } from '../../adapters/outbound/postgres/postgres-device-inventory-store.js';
import { PostgresOperatorSessionStore } from '../../adapters/outbound/postgres/postgres-operator-session-store.js';
import { PostgresFleetEventLog } from '../../adapters/outbound/postgres/postgres-fleet-event-log.js';
import { PostgresPenaltyClearanceStore } from '../../adapters/outbound/postgres/postgres-penalty-clearance-store.js';
import { PostgresTrustedKeyStore } from '../../adapters/outbound/postgres/postgres-trusted-key-store.js';
import { PostgresRolloutStore } from '../../adapters/outbound/postgres/postgres-rollout-store.js';
import { PostgresUpdateAttemptStore } from '../../adapters/outbound/postgres/postgres-update-attempt-store.js';
import { PostgresUpdateFileCatalog } from '../../adapters/outbound/postgres/postgres-update-file-catalog.js';
import type { Logger } from '../../ports/logger.port.js';
import type { StorageObserver } from '../../ports/storage-observer.port.js';
import type { StateStores } from './state-stores.js';

/**
 * Every table in one PostgreSQL database, on one pool of connections; the schema is migrated at
 * open (under an advisory lock, so instances starting together migrate once).
 */
export async function openPostgresStateStores(
  settings: PostgresSettings,
  logger?: Logger,
  observer?: StorageObserver,
): Promise<StateStores> {
  const database = await PostgresDatabase.open(settings.url, {
    poolSize: settings.poolSize,
    ...(observer === undefined ? {} : { observer }),
  });
  if (database.migrated.length > 0)
    logger?.info('database schema migrated', { database: database.where, migrations: database.migrated.join(',') });
  const changes = await PostgresChangeFeed.open(settings.url, database, logger).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const stores = {
    devices: new PostgresDeviceAppRepository(database),
    catalog: new PostgresUpdateFileCatalog(database),
    deviceCredentials: new PostgresDeviceCredentialStore(database),
    inventory: new PostgresDeviceInventoryStore(database),
    attempts: new PostgresUpdateAttemptStore(database),
    events: new PostgresFleetEventLog(database),
    audit: new PostgresAuditLog(database),
    rollouts: new PostgresRolloutStore(database),
    penaltyClearances: new PostgresPenaltyClearanceStore(database),
    trustedKeys: new PostgresTrustedKeyStore(database),
    sessions: new PostgresOperatorSessionStore(database),
  };
  return {
    ...stores,
    health: { name: 'database', check: () => database.checkHealth() },
    poolUsage: () => database.poolUsage,
    changes,
    rolloutLocks: new PostgresRolloutLocks(database),
    close: async () => {
      // Each store's writes under way first, then the connections they run on.
      await changes.close();
      await Promise.all(Object.values(stores).map((store) => store.close()));
      await database.close();
    },
  };
}
