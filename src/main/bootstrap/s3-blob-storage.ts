import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../app/config/storage-settings.js';
import { S3BlobStore } from '../../adapters/outbound/s3/s3-blob-store.js';
import { reportUnavailable } from '../../adapters/outbound/s3/s3-unavailable.js';
import { reportLatency } from '../../adapters/outbound/s3/s3-latency.js';
import type { StorageObserver } from '../../ports/storage-observer.port.js';
import { type BlobStorage, blobStorageOf } from './blob-storage.js';

// Apart from blob-storage.ts: the AWS SDK is loaded only by a server that uses a bucket.

export const S3_CONNECT_TIMEOUT_MS = 5_000;
export const S3_IDLE_TIMEOUT_MS = 15_000;

/** How long connecting to the store, and a silence on a connection, may last (tests shorten them). */
export interface S3Timeouts {
  readonly connectMs: number;
  readonly idleMs: number;
}

/**
 * A client for the bucket's service that reports an unreachable or hung store as
 * `storage-unavailable` (503) and each request's duration to `observer`. The AWS SDK finds the
 * credentials where AWS users keep them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile,
 * an instance role) unless `credentials` are given.
 */
export function createS3Client(
  settings: S3Settings,
  observer?: StorageObserver,
  timeouts: S3Timeouts = { connectMs: S3_CONNECT_TIMEOUT_MS, idleMs: S3_IDLE_TIMEOUT_MS },
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): S3Client {
  // The SDK prints, on Node 20, a multi-line notice that its releases after January 2027 will
  // need Node 22: about releases fuota does not run (its lock file pins the SDK), and printed
  // across the log's one-JSON-object-per-line. Upgrading the SDK past that is the project's
  // decision, not the operator's. An operator's own setting of the variable is kept.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    region: settings.region,
    forcePathStyle: settings.pathStyle,
    // A store that hangs (a partition, a frozen host) must fail the request as unreachable (503)
    // rather than hold it until the client gives up: connecting may take 5 s, and a connection
    // may stay silent for 15 s (mid-download too) before the SDK gives up (and retries).
    requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.idleMs },
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  reportUnavailable(client, `${settings.endpoint ?? 'AWS S3'} (bucket ${settings.bucket})`);
  if (observer !== undefined) reportLatency(client, observer);
  return client;
}

/** Where delta patches live in a bucket: `<prefix>/.deltas/`, which no update file path can name. */
export const S3_DELTAS_AREA = '.deltas';

/** An S3-compatible bucket, on a client of its own (destroyed at close). */
export async function openS3Blobs(settings: S3Settings, observer?: StorageObserver): Promise<BlobStorage> {
  const client = createS3Client(settings, observer);
  try {
    const files = await S3BlobStore.open({ client, bucket: settings.bucket, prefix: settings.prefix });
    const deltas = await S3BlobStore.open({
      client,
      bucket: settings.bucket,
      prefix: settings.prefix,
      area: S3_DELTAS_AREA,
    });
    return blobStorageOf(files, deltas, () => client.destroy());
  } catch (error) {
    client.destroy();
    throw error;
  }
}
