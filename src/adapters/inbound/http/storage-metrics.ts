import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolUsage, StorageKind, StorageObserver } from '../../../ports/storage-observer.port.js';

// Seconds: a statement on a local PostgreSQL takes well under a millisecond, an object store
// across a network tens of milliseconds, a multipart part seconds.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The shared storage's metrics: how long each request to PostgreSQL or the object store took, how
 * many failed because it could not be reached, and the database's connection pool. Made before
 * the storage is opened (the adapters report to it from their first request) and registered with
 * the server's registry once that exists.
 */
export class StorageMetrics implements StorageObserver {
  private readonly latency = new Histogram({
    name: 'fuota_storage_request_duration_seconds',
    help: 'Time each request to the storage took (database: a statement or a transaction; files: an S3 request by its name), retries included.',
    labelNames: ['store', 'operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  private readonly unavailable = new Counter({
    name: 'fuota_storage_unavailable_total',
    help: 'Requests to the storage that failed because it could not be reached (answered 503).',
    labelNames: ['store'] as const,
    registers: [],
  });

  timed(store: StorageKind, operation: string, seconds: number, failed: boolean): void {
    this.latency.observe({ store, operation }, seconds);
    if (failed) this.unavailable.inc({ store });
  }

  /** Adds the metrics to `registry`, with the pool's gauges when the database has a pool. */
  register(registry: Registry, pool: (() => PoolUsage) | undefined): void {
    registry.registerMetric(this.latency);
    registry.registerMetric(this.unavailable);
    if (pool === undefined) return;
    const connections: Gauge<'state'> = new Gauge({
      name: 'fuota_database_pool_connections',
      help: 'Connections to PostgreSQL by state: busy (running a statement) or idle; max is the most the pool opens.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect: () => {
        const usage = pool();
        connections.set({ state: 'busy' }, usage.total - usage.idle);
        connections.set({ state: 'idle' }, usage.idle);
        connections.set({ state: 'max' }, usage.max);
      },
    });
    const waiting: Gauge = new Gauge({
      name: 'fuota_database_pool_waiting',
      help: 'Requests waiting for a free connection to PostgreSQL (above zero: the pool is too small or the database slow).',
      registers: [registry],
      collect: () => {
        waiting.set(pool().waiting);
      },
    });
  }
}
