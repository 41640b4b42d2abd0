import type { MigrationStores } from '../../app/use-cases/migration-stores.js';
import type { ChangeFeed } from '../../ports/change-feed.port.js';
import type { HealthCheck } from '../../ports/health-check.port.js';
import type { OperatorSessionStore } from '../../ports/operator-session-store.port.js';
import type { PoolUsage } from '../../ports/storage-observer.port.js';
import type { RolloutLocks } from '../../ports/rollout-locks.port.js';

/**
 * Every table the server keeps, from one database (embedded, PostgreSQL or memory): the server's
 * whole state but its update files' bytes, and what running on that database takes.
 */
export interface StateStores extends Omit<MigrationStores, 'files'> {
  /** Can the database read and write now? (absent for memory, which always can). */
  readonly health: HealthCheck | undefined;
  /** The connection pool's usage now, for a database reached over connections (PostgreSQL). */
  readonly poolUsage: (() => PoolUsage) | undefined;
  /** One offer decision per rollout at a time, among every server on the same database. */
  readonly rolloutLocks: RolloutLocks;
  /**
   * The dashboard's sign-ins: in the database when servers share it (a browser signed in on one is
   * signed in on all), in this process's memory with the embedded database. Not migrated: they
   * end with the server they were made on, and a browser signs in again.
   */
  readonly sessions: OperatorSessionStore;
  /** Tells other servers on the same database of this one's changes, and this one of theirs. */
  readonly changes: ChangeFeed;
  /** Waits for pending writes, then releases the database. */
  close(): Promise<void>;
}
