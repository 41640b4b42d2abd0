import type { S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '../../../domain/domain-error.js';
import { s3Status } from './s3-status.js';

/**
 * The object store could not be reached, or kept failing on its side (5xx after the SDK's own
 * retries): the operation may succeed later. The `storage-unavailable` domain error, answered 503.
 */
export class S3Unavailable extends DomainError {
  constructor(where: string, cause: unknown) {
    super(
      'storage-unavailable',
      `the object store at ${where} is unreachable: ${(cause as Error).message ?? String(cause)}`,
    );
    this.cause = cause;
    this.name = 'S3Unavailable';
  }
}

/** Socket-level failures Node reports by code: nothing was answered. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Whether `error` says the store is out of reach or failing, rather than refusing this request. */
export function isUnavailable(error: unknown): boolean {
  const status = s3Status(error);
  if (status !== undefined) return status === 500 || status === 502 || status === 503 || status === 504;
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = (error as { name?: unknown } | undefined)?.name;
  // AbortError: fuota aborts a request only at its deadline (HeadObject's): no answer in time.
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Makes every request of `client` fail with S3Unavailable when the store is out of reach, once the
 * SDK gave up retrying (the step `initialize` wraps the whole stack, retries included). One place
 * instead of a try around each of the store's requests; the middleware is named, so adding it
 * twice replaces it.
 */
export function reportUnavailable(client: S3Client, where: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isUnavailable(error) ? new S3Unavailable(where, error) : error;
      }
    },
    { step: 'initialize', name: 'fuotaStorageUnavailable', override: true },
  );
}
