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
import {
  SqlJsUpdateAttemptStore,
  UPDATE_ATTEMPT_SCHEMA,
} from '../../adapters/outbound/sqljs/sqljs-update-attempt-store.js';
import {
  PENALTY_CLEARANCE_SCHEMA,
  SqlJsPenaltyClearanceStore,
} from '../../adapters/outbound/sqljs/sqljs-penalty-clearance-store.js';
import { ROLLOUT_SCHEMA, SqlJsRolloutStore } from '../../adapters/outbound/sqljs/sqljs-rollout-store.js';
import { SqlJsUpdateFileCatalog, UPDATE_FILE_SCHEMA } from '../../adapters/outbound/sqljs/sqljs-update-file-catalog.js';
import { SqlJsTrustedKeyStore, TRUSTED_KEY_SCHEMA } from '../../adapters/outbound/sqljs/sqljs-trusted-key-store.js';
import type { Logger } from '../../ports/logger.port.js';
import type { StateStores } from './state-stores.js';
import { InMemoryChangeBus } from '../../adapters/outbound/memory/in-memory-change-bus.js';
import { InProcessRolloutLocks } from '../../adapters/outbound/memory/in-process-rollout-locks.js';
import { InMemoryOperatorSessionStore } from '../../adapters/outbound/memory/in-memory-operator-session-store.js';

/**
 * The embedded database: one sql.js database file for every table (devices.db in the data dir).
 * Journal bytes that replay skipped are logged to `logger` as warnings. `onJournalTaken` hears
 * that another process took the journal over (so the data dir lock was lost).
 */
export async function openEmbeddedDatabase(
  databaseFile: string,
  logger?: Logger,
  onJournalTaken?: (error: Error) => void,
): Promise<StateStores> {
  const database = await SqlJsDatabase.open(
    databaseFile,
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
      ...TRUSTED_KEY_SCHEMA,
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
    trustedKeys: new SqlJsTrustedKeyStore(database),
    health: { name: 'database', check: () => database.checkHealth() },
    poolUsage: undefined,
    // One process serves the data dir (its lock): its memory is every server's. A restart signs
    // everyone out.
    sessions: new InMemoryOperatorSessionStore(),
    // No other server can share the data dir (its lock): nobody to tell, nothing to hear.
    changes: new InMemoryChangeBus().feed(),
    rolloutLocks: new InProcessRolloutLocks(),
    close: () => database.close(),
  };
}
