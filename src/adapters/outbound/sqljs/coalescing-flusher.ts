/**
 * Group commit: many writers ask for a flush, few flushes run. A flush takes its snapshot
 * synchronously when it starts, so a writer whose change came before that moment is served by the
 * flush in progress, and one whose change came after waits for the single next flush, which all
 * such writers share. Flushes never overlap.
 */
export class CoalescingFlusher {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  /** `flush` must take its snapshot before its first `await`. */
  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once every change made before this call is durable. */
  request(): Promise<void> {
    if (this.running === undefined) return this.start();
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  /** Resolves when no flush is running or queued. */
  async settle(): Promise<void> {
    while (this.running !== undefined || this.queued !== undefined) {
      await (this.queued ?? this.running)?.catch(() => {});
    }
  }

  private start(): Promise<void> {
    const flushing = this.flush().finally(() => {
      if (this.running === flushing) this.running = undefined;
    });
    this.running = flushing;
    return flushing;
  }
}
