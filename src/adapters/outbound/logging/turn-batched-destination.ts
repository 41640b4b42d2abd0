import { writeSync } from 'node:fs';

/**
 * A pino destination that gathers the lines of one event-loop turn and writes them with one
 * synchronous write to a descriptor (stdout). A write per line cost a busy server a measurable
 * share of its CPU; an asynchronous stream costs a thread-pool round trip per batch. A quiet
 * server's line still goes out at the end of its turn, and what is gathered when the process
 * exits is written then.
 */
export class TurnBatchedDestination {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly fd: number) {
    process.once('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushSync());
    }
    return true;
  }

  flushSync(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    let buffer = Buffer.from(text);
    // A pipe may take part of it (EAGAIN on a non-blocking descriptor): write the rest.
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(this.fd, buffer));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return; // stdout is gone: nothing to tell
      }
    }
  }

  /** pino's flush(cb) asks its destination for this. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }
}
