import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageObserver } from '../../../ports/storage-observer.port.js';
import { isUnavailable, S3Unavailable } from './s3-unavailable.js';

/**
 * Tells `observer` how long each request of `client` took, named by its command (`GetObject`,
 * `PutObject`...), the SDK's retries included: what a caller waited for. Failed means unreachable or failing
 * (as `storage-unavailable`), not refused. Named, so adding it
 * twice replaces it.
 */
export function reportLatency(client: S3Client, observer: StorageObserver): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        observer.timed('files', operation, (performance.now() - started) / 1000, false);
        return result;
      } catch (error) {
        // A refusal such as "no such key" is an answer; only an unreachable store failed.
        const failed = isUnavailable(error) || error instanceof S3Unavailable;
        observer.timed('files', operation, (performance.now() - started) / 1000, failed);
        throw error;
      }
    },
    { step: 'initialize', name: 'fuotaStorageLatency', override: true },
  );
}
