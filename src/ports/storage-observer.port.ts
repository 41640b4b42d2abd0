/** Which shared storage an operation went to. */
export type StorageKind = 'database' | 'files';

/**
 * Hears how long each request to the storage took, for the operator's metrics (latency and
 * failures of PostgreSQL and the object store). Called once per request, after it ended; must be
 * cheap and must not throw.
 */
export interface StorageObserver {
  timed(store: StorageKind, operation: string, seconds: number, failed: boolean): void;
}

/** A database's connection pool as it is now. */
export interface PoolUsage {
  /** Connections open, idle among them, and requests waiting for one. */
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  /** The most the pool opens. */
  readonly max: number;
}
