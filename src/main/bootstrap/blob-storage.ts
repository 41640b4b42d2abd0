import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeltaPatchStore } from '../../ports/delta-patch-store.port.js';
import { BlobDeltaPatchStore } from '../../adapters/outbound/delta/blob-delta-patch-store.js';
import type { HealthCheck } from '../../ports/health-check.port.js';

/** Where update files' bytes live, whether it can be written now, and how to release it. */
export interface BlobStorage {
  readonly files: BlobStore;
  /** Delta patches, apart from the update files (no update file path can name them). */
  readonly deltas: DeltaPatchStore;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/**
 * The data dir's files directory: the embedded default. `sharedWithWorkers`: the worker
 * processes of FUOTA_WORKERS write to it too (see FileSystemBlobStore.open's `keepLeftovers`).
 */
export async function openFilesystemBlobs(
  filesDir: string,
  deltasDir: string,
  sharedWithWorkers = false,
): Promise<BlobStorage> {
  const files = await FileSystemBlobStore.open(filesDir, { keepLeftovers: sharedWithWorkers });
  const deltas = await FileSystemBlobStore.open(deltasDir, { keepLeftovers: sharedWithWorkers });
  return blobStorageOf(files, deltas);
}

/**
 * The update files' store and the delta patches' as one BlobStorage, the files' health as its
 * own; `release` runs once both are closed (the bucket's client, say).
 */
export function blobStorageOf(
  files: BlobStore & { checkHealth(): Promise<void> },
  deltas: BlobStore,
  release: () => void = () => {},
): BlobStorage {
  return {
    files,
    deltas: new BlobDeltaPatchStore(deltas),
    health: { name: 'files', check: () => files.checkHealth() },
    close: async () => {
      await files.close();
      await deltas.close();
      release();
    },
  };
}
