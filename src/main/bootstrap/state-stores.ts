import type { AuditLog } from '../../ports/audit-log.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import type { DeviceInventoryStore } from '../../ports/device-inventory-store.port.js';
import type { FleetEventLog } from '../../ports/fleet-event-log.port.js';
import type { HealthCheck } from '../../ports/health-check.port.js';
import type { PenaltyClearanceStore } from '../../ports/penalty-clearance-store.port.js';
import type { RolloutStore } from '../../ports/rollout-store.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import type { PoolUsage } from '../../ports/storage-observer.port.js';
import type { ChangeFeed } from '../../ports/change-feed.port.js';

/** Every table the server keeps, from one database (embedded, PostgreSQL or memory). */
export interface StateStores {
  readonly devices: DeviceAppRepository;
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
  /** Tells other servers on the same database of this one's changes, and this one of theirs. */
  readonly changes: ChangeFeed;
  /** Can the database read and write now? (absent for memory, which always can). */
  readonly health: HealthCheck | undefined;
  /** The connection pool's usage now, for a database reached over connections (PostgreSQL). */
  readonly poolUsage: (() => PoolUsage) | undefined;
  /** Waits for pending writes, then releases the database. */
  close(): Promise<void>;
}
