import type { Logger } from '../../ports/logger.port.js';

/** How often, at most, one warning of a background task is logged while it keeps failing. */
export const REPEATED_WARNING_EVERY_MS = 10_000;

/**
 * The warnings of background work that fails again and again while storage is out (the
 * inventory's batch each second, the read-back of other servers' checks every two, a health
 * probe every few): each message's first at once, with its error, then at most one line every
 * ten seconds, counting in `repeated` the times it was not logged since the line before (at
 * `since`: the count may be of an earlier outage, as no line marks the end of one). Logged
 * every time, a 42-second PostgreSQL outage wrote some 84 KB of stack traces per server, and a
 * long one would bury the lines that say what happened.
 */
export class RepeatedWarnings {
  private readonly last = new Map<string, { at: number; unlogged: number }>();

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
      return;
    }
    this.logger.warn(
      message,
      seen === undefined || seen.unlogged === 0
        ? fields
        : { ...fields, repeated: seen.unlogged, since: new Date(seen.at).toISOString() },
    );
    this.last.set(key, { at, unlogged: 0 });
  }
}
