/**
 * A store's writes, one after another in the order they were made: a pool would let a later
 * write of a row overtake an earlier one, and the earlier would then be the one kept.
 */
export class WriteTurns {
  /** The last write under way (settled, never rejected): the next one waits for it. */
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `write` once the writes made before it have ended (whether they worked or not). */
  run<T>(write: () => Promise<T>): Promise<T> {
    const running = this.last.then(write);
    this.last = running.catch(() => undefined);
    return running;
  }

  /** Resolves once every write made so far has ended. */
  async idle(): Promise<void> {
    await this.last;
  }
}
