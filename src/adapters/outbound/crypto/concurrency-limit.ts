/**
 * Runs at most `limit` tasks at once; the others wait their turn, in the order they were given.
 * With `maxWaiting`, a task that would wait behind that many others is refused at once (`busy`
 * makes the error it rejects with): a queue that only grows holds each caller longer than it
 * will wait, and the work it finally does is for callers long gone.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queue: { readonly maxWaiting: number; readonly busy: () => Error } = {
      maxWaiting: Infinity,
      busy: () => new Error('busy'),
    },
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its place straight to the next waiting one (see below).
    if (this.active < this.limit) this.active += 1;
    else if (this.waiting.length >= this.queue.maxWaiting) throw this.queue.busy();
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }
}
