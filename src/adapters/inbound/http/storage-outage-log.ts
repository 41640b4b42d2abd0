import type { Logger } from '../../../ports/logger.port.js';

/** How often, at most, an outage's requests answered 503 are logged. */
const LINE_EVERY_MS = 10_000;

/** The request a 503 answered, as its log line names it. */
export interface OutageRequest {
  readonly method: string | undefined;
  readonly path: string;
  readonly reqId: string | undefined;
}

/**
 * The log of requests answered 503 because storage cannot be reached: the first at once, then at
 * most one line every ten seconds, each counting the requests answered so since the line before.
 * A warning with the storage's own message, not an error with a stack trace for each request: a
 * 20-second PostgreSQL outage under 20 polling devices wrote a thousand error lines, a megabyte,
 * per server, and a large fleet's outage would have flooded the log that says what happened.
 */
export class StorageOutageLog {
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly everyMs = LINE_EVERY_MS,
  ) {}

  report(error: unknown, request: OutageRequest): void {
    this.unlogged += 1;
    const at = this.now();
    if (at - this.lastLineAt < this.everyMs) return;
    this.lastLineAt = at;
    this.logger.warn('storage unavailable: requests answered 503', {
      answered: this.unlogged,
      reason: error instanceof Error ? error.message : String(error),
      method: request.method,
      path: request.path,
      reqId: request.reqId,
    });
    this.unlogged = 0;
  }
}
