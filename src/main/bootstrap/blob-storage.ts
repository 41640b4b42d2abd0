import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../app/config/storage-settings.js';
import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import { S3BlobStore } from '../../adapters/outbound/s3/s3-blob-store.js';
import { reportUnavailable } from '../../adapters/outbound/s3/s3-unavailable.js';
import { reportLatency } from '../../adapters/outbound/s3/s3-latency.js';
import type { StorageObserver } from '../../ports/storage-observer.port.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { HealthCheck } from '../../ports/health-check.port.js';

/** Where update files' bytes live, whether it can be written now, and how to release it. */
export interface BlobStorage {
  readonly files: BlobStore;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** The data dir's files directory: the embedded default. */
export async function openFilesystemBlobs(filesDir: string): Promise<BlobStorage> {
  const files = await FileSystemBlobStore.open(filesDir);
  return { files, health: { name: 'files', check: () => files.checkHealth() }, close: () => files.close() };
}

/**
 * An S3-compatible bucket. The AWS SDK finds the credentials where AWS users keep them
 * (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role).
 */
export async function openS3Blobs(settings: S3Settings, observer?: StorageObserver): Promise<BlobStorage> {
  const client = new S3Client({
    region: settings.region,
    forcePathStyle: settings.pathStyle,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
  });
  reportUnavailable(client, `${settings.endpoint ?? 'AWS S3'} (bucket ${settings.bucket})`);
  if (observer !== undefined) reportLatency(client, observer);
  try {
    const files = await S3BlobStore.open({ client, bucket: settings.bucket, prefix: settings.prefix });
    return {
      files,
      health: { name: 'files', check: () => files.checkHealth() },
      close: async () => {
        await files.close();
        client.destroy();
      },
    };
  } catch (error) {
    client.destroy();
    throw error;
  }
}
