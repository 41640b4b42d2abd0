import type { Writable } from 'node:stream';
import type { ByteRange, OpenedBlob } from '../../../ports/blob-store.port.js';
import type { ChunkPool } from './chunk-pool.js';

/** How far a sendBlob has got. */
export interface BlobSending {
  /** Bytes handed to the response so far. */
  readonly bytesSent: number;
}

/**
 * Writes an opened blob (or one range of it) to `out` and ends `out`; releases the blob exactly
 * once, when the last read is done or when `out` closes early (a client gone), never while a read
 * is still running, as a released file descriptor's number can be reused by the next open.
 *
 * Each chunk is read into a buffer from `pool` and goes back to the pool only in its write's
 * callback, once the socket no longer needs its bytes (TLS has encrypted them, or the kernel has
 * taken them). Like `pipe`, it reads the next chunk while the last one is being written and waits
 * for 'drain' when `out` has more than its high-water mark queued.
 *
 * A read that fails, or a file that ends before its size, destroys `out` (its headers are sent
 * already, so a cut-short answer is all that is left) and is reported to `failed`, as is a
 * release that fails.
 */
export function sendBlob(
  blob: OpenedBlob,
  range: ByteRange | undefined,
  out: Writable,
  pool: ChunkPool,
  failed: (error: Error) => void,
): BlobSending {
  const sending = { bytesSent: 0 };
  const end = range === undefined ? blob.info.size : range.end + 1;
  let position = range === undefined ? 0 : range.start;
  let reading = false;
  let released = false;

  const release = () => {
    if (released) return;
    released = true;
    blob
      .release()
      .catch((error: unknown) =>
        failed(new Error(`closing the file: ${error instanceof Error ? error.message : String(error)}`)),
      );
  };
  const fail = (error: Error) => {
    release();
    failed(error);
    out.destroy();
  };

  const sendNext = (): void => {
    if (out.destroyed) return release();
    if (position >= end) {
      release();
      out.end();
      return;
    }
    const chunk = pool.take();
    const length = Math.min(chunk.length, end - position);
    const target = length === chunk.length ? chunk : chunk.subarray(0, length);
    reading = true;
    blob.read(target, position).then(
      (count) => {
        reading = false;
        if (out.destroyed) {
          pool.give(chunk);
          return release();
        }
        // Never send a byte that was not read: the rest of the buffer holds an earlier chunk.
        if (count < length) {
          pool.give(chunk);
          return fail(new Error(`the file ended at byte ${position + count} of ${blob.info.size}`));
        }
        position += count;
        sending.bytesSent += count;
        const more = out.write(target, () => pool.give(chunk));
        if (more) sendNext();
        else out.once('drain', sendNext);
      },
      (error: unknown) => {
        reading = false;
        pool.give(chunk);
        fail(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };

  // A client gone while waiting for 'drain' (no read running) frees the file now; one gone during
  // a read frees it when that read returns.
  out.once('close', () => {
    if (!reading) release();
  });
  sendNext();
  return sending;
}
