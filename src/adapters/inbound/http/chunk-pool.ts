/**
 * Read buffers that downloads hand back once the socket is done with them, so that a busy server
 * reads files without allocating a new buffer per chunk.
 *
 * Why: a fresh 64 KiB buffer per chunk is memory outside V8's heap that only a garbage collection
 * frees. Under 32 downloads at hundreds of MiB/s, such buffers swung between 0 and 36 MiB between
 * collections, and in some runs V8 then made a mark-compact of the whole heap every ~100 ms
 * (`node --trace-gc`; see the README's performance section). With reused buffers those stretches
 * did not occur, and scavenges fell to a quarter.
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
