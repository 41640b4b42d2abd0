import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/domain-error.js';

/** Size and digest of an upload, filled in while its bytes pass through `meter`. */
export interface UploadMeter {
  size: number;
  readonly sha256: () => string;
  readonly meter: (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array>;
}

/**
 * Counts and hashes the bytes of an upload on their way to storage, failing as soon as the upload
 * grows past `maxBytes` so that an oversized body is never stored whole (nor held in memory).
 */
export function createUploadMeter(maxBytes: number): UploadMeter {
  const hash = createHash('sha256');
  const state: UploadMeter = {
    size: 0,
    sha256: () => hash.digest('hex'),
    async *meter(source) {
      for await (const chunk of source) {
        state.size += chunk.length;
        if (state.size > maxBytes) {
          throw new DomainError('payload-too-large', `upload exceeds the limit of ${maxBytes} bytes`);
        }
        hash.update(chunk);
        yield chunk;
      }
    },
  };
  return state;
}
