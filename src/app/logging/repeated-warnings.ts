import type { Logger } from '../../ports/logger.port.js';

/** How often, at most, one warning of a background task is logged while it keeps failing. */
export const REPEATED_WARNING_EVERY_MS = 10_000;

/**
 * The warnings of background work that fails again and again while storage is out (the
 * inventory's batch each second, the read-back of other servers' checks every two, a health
 * probe every few): each message's first at once, with its error, then at most one line every
 * ten seconds, counting in `repeated` the times it was not logged since the line before (at
 * `since`). Logged every time, a 42-second PostgreSQL outage wrote some 84 KB of stack traces
 * per server, and a long one would bury the lines that say what happened. The work's next
 * success, told by `recovered`, logs one `recovered` line naming the warning, how many times
 * it failed and since when: the end of the outage.
 */
export class RepeatedWarnings {
  private readonly last = new Map<
    string,
    { at: number; unlogged: number; first: number; failures: number; message: string }
  >();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly everyMs = REPEATED_WARNING_EVERY_MS,
  ) {}

  /** `key`: what counts as the same warning (the message unless given: a part's name, say). */
  warn(message: string, fields: Record<string, unknown> = {}, key = message): void {
    const at = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && at - seen.at < this.everyMs) {
      seen.unlogged += 1;
      seen.failures += 1;
      return;
    }
    this.logger.warn(
      message,
      seen === undefined || seen.unlogged === 0
        ? fields
        : { ...fields, repeated: seen.unlogged, since: new Date(seen.at).toISOString() },
    );
    this.last.set(key, { at, unlogged: 0, first: seen?.first ?? at, failures: (seen?.failures ?? 0) + 1, message });
  }

  /**
   * The work warned of under `key` succeeded: one `recovered` line if it had failed (its warning,
   * `failures` in all, failing `since`), nothing otherwise. Cheap enough for every success.
   */
  recovered(key: string, fields: Record<string, unknown> = {}): void {
    if (this.last.size === 0) return;
    const seen = this.last.get(key);
    if (seen === undefined) return;
    this.last.delete(key);
    this.logger.info('recovered', {
      ...fields,
      warning: seen.message,
      failures: seen.failures,
      since: new Date(seen.first).toISOString(),
    });
  }
}
