import { writeSync } from 'node:fs';

export interface BufferedLineDestinationOptions {
  /** The longest a line waits before it is written. */
  readonly intervalMs: number;
  /** Bytes gathered before a write is made at once (a longer line is written on its own). */
  readonly bufferBytes: number;
}

/**
 * A pino destination that copies each line into one reusable buffer and writes that buffer to a
 * descriptor (stdout) with one synchronous write at most every `intervalMs`, or sooner when it
 * is full. A busy server logs a line per request: a write per line, or even per event-loop turn,
 * cost it a tenth of its CPU per device check (each write wakes the log reader, which on a
 * virtual machine is dear), and gathering the lines as strings kept them alive long enough to be
 * promoted by the garbage collector; copied at once, they die young. A quiet server's line still
 * goes out within `intervalMs`, and what is gathered when the process exits is written then; a
 * process killed with SIGKILL loses at most that interval's lines.
 */
export class BufferedLineDestination {
  private readonly buffer: Buffer;
  private used = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fd: number,
    private readonly options: BufferedLineDestinationOptions,
  ) {
    this.buffer = Buffer.allocUnsafe(options.bufferBytes);
    process.once('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: what cannot fit for sure goes first.
    const mostBytes = line.length * 3;
    if (this.used + mostBytes > this.buffer.length) this.flushSync();
    if (mostBytes > this.buffer.length) {
      this.writeAll(Buffer.from(line));
      return true;
    }
    this.used += this.buffer.write(line, this.used);
    this.timer ??= setTimeout(() => this.flushSync(), this.options.intervalMs).unref();
    return true;
  }

  /** Writes what is gathered now. */
  flushSync(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.used === 0) return;
    this.writeAll(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** pino's flush(cb) asks its destination for this. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  private writeAll(bytes: Uint8Array): void {
    let written = 0;
    // A pipe may take part of it (EAGAIN on a non-blocking descriptor): write the rest.
    while (written < bytes.length) {
      try {
        written += writeSync(this.fd, bytes, written, bytes.length - written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return; // the reader is gone: nothing to tell
      }
    }
  }
}
