/**
 * Read buffers that downloads hand back once the socket is done with them, so that a busy server
 * reads files without allocating a new buffer per chunk.
 *
 * Why: a fresh 64 KiB buffer per chunk is external memory that only a garbage collection frees,
 * and V8 counts external memory allocated since the last full collection against the old
 * generation's limit. At hundreds of MiB/s that started a mark-compact of the whole heap every
 * ~100 ms (see the README's performance section); with reused buffers the heap sees almost no
 * allocation per chunk.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  /**
   * @param chunkSize the size of every buffer (the read size)
   * @param keep how many idle buffers to hold on to; more than that are left to the collector,
   *   so a burst of downloads does not keep its memory after it ends
   */
  constructor(
    readonly chunkSize = 64 * 1024,
    private readonly keep = 64,
  ) {}

  /** A buffer nobody else holds. Its bytes are whatever was last read into it. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  /** Hands back a buffer taken from this pool; the caller must no longer use it, nor give it twice. */
  give(chunk: Buffer): void {
    if (this.free.length < this.keep) this.free.push(chunk);
  }

  /** Idle buffers held (for tests). */
  get idle(): number {
    return this.free.length;
  }
}
