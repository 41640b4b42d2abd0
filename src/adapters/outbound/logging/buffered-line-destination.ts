import { writeSync } from 'node:fs';

export interface BufferedLineDestinationOptions {
  /** The longest a line waits before it is written. */
  readonly intervalMs: number;
  /** Bytes gathered before a write is made at once (a longer line is written on its own). */
  readonly bufferBytes: number;
}

// How long an exit or pino's flush() waits for a reader that is behind before giving up.
const FLUSH_PATIENCE_MS = 1000;

/**
 * A pino destination that copies each line into one reusable buffer and writes that buffer to a
 * descriptor (stdout) with one synchronous write at most every `intervalMs`, or sooner when it
 * is full. A busy server logs a line per request: gathering the lines as strings, then joining,
 * encoding and writing them once per event-loop turn, cost a device check a twentieth more CPU
 * than this (a write per line far more); copied into the buffer at once, the lines die young.
 *
 * A reader that falls behind (a full pipe: stdout is non-blocking once Node has opened it) never
 * stalls the server: what the pipe does not take stays in the buffer for the next attempt, and
 * lines that find the buffer full are dropped, counted, and reported by a warning line once there
 * is room again. A quiet server's line goes out within `intervalMs`; on exit, and when pino
 * flushes, what is gathered is written, waiting up to a second for the reader. A process killed
 * with SIGKILL loses at most the last interval's lines.
 */
export class BufferedLineDestination {
  private readonly buffer: Buffer;
  private used = 0;
  private dropped = 0;
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
    if (this.used + mostBytes > this.buffer.length) this.writeOut();
    if (this.used === 0 && mostBytes > this.buffer.length) {
      this.writeWaiting(Buffer.from(line));
    } else if (this.used + mostBytes > this.buffer.length) {
      this.dropped += 1;
    } else {
      if (this.dropped > 0) this.noteDropped();
      this.used += this.buffer.write(line, this.used);
    }
    this.schedule();
    return true;
  }

  /** Writes what is gathered now, waiting a little for a reader that is behind. */
  flushSync(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped > 0) this.noteDropped();
    this.writeWaiting(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** pino's flush(cb) asks its destination for this. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  private schedule(): void {
    if (this.timer !== undefined || (this.used === 0 && this.dropped === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeOut();
      this.schedule();
    }, this.options.intervalMs).unref();
  }

  /** Writes as much as the descriptor takes now; the rest moves to the buffer's start. */
  private writeOut(): void {
    let written = 0;
    while (written < this.used) {
      try {
        written += writeSync(this.fd, this.buffer, written, this.used - written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        written = this.used; // the reader is gone: nothing to tell
      }
    }
    this.buffer.copyWithin(0, written, this.used);
    this.used -= written;
  }

  /** The warning pino would write, in its form, when there is room for it. */
  private noteDropped(): void {
    const note = `{"level":40,"time":"${new Date().toISOString()}","dropped":${this.dropped},"msg":"log lines dropped: the log reader fell behind"}\n`;
    if (this.used + note.length > this.buffer.length) return;
    this.used += this.buffer.write(note, this.used);
    this.dropped = 0;
  }

  /** Writes all of `bytes`, retrying a full pipe for up to FLUSH_PATIENCE_MS. */
  private writeWaiting(bytes: Uint8Array): void {
    const deadline = Date.now() + FLUSH_PATIENCE_MS;
    let written = 0;
    while (written < bytes.length) {
      try {
        written += writeSync(this.fd, bytes, written, bytes.length - written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return;
      }
    }
  }
}
