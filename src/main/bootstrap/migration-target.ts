import type { PostgresSettings, S3Settings } from '../../app/config/storage-settings.js';
import type { MigrationStores } from '../../app/use-cases/migration-stores.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { openS3Blobs } from './s3-blob-storage.js';
import { openPostgresStateStores } from './postgres-state-stores.js';

/** Where `migrate-storage` copies to, and how to release it. */
export interface MigrationTarget {
  readonly stores: MigrationStores;
  close(): Promise<void>;
}

/**
 * PostgreSQL, with a bucket for the files or, without one, the source's own file store: the
 * files then stay in the data dir (a server on the target reads them there), and only the
 * tables move.
 */
export async function openMigrationTarget(
  database: PostgresSettings,
  blobs: S3Settings | undefined,
  sourceFiles: BlobStore,
  logger: Logger,
): Promise<MigrationTarget> {
  const files = blobs === undefined ? undefined : await openS3Blobs(blobs);
  try {
    const {
      health: _health,
      close,
      poolUsage: _pool,
      changes: _changes,
      // Sign-ins are not moved: a browser signs in again on the new storage.
      sessions: _sessions,
      ...state
    } = await openPostgresStateStores(database, logger);
    return {
      stores: { ...state, files: files?.files ?? sourceFiles },
      close: async () => {
        await close();
        await files?.close();
      },
    };
  } catch (error) {
    await files?.close();
    throw error;
  }
}
