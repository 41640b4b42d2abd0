import type { Logger } from '../../../ports/logger.port.js';

/** How often, at most, an outage's requests answered 503 are logged. */
const LINE_EVERY_MS = 10_000;

/** The request a 503 answered, as its log line names it. */
export interface OutageRequest {
  readonly method: string | undefined;
  readonly path: string;
  readonly reqId: string | undefined;
}

/** Runs `line` in `ms`; the timer must not keep the process alive. */
export type LineTimer = (line: () => void, ms: number) => void;

const unrefTimer: LineTimer = (line, ms) => {
  setTimeout(line, ms).unref();
};

/**
 * The log of requests answered 503 because storage cannot be reached: the first at once, then at
 * most one line every ten seconds, each counting the requests answered so since the line before
 * (the last of an outage's lines comes at most ten seconds after its last 503, so no count is
 * carried into the next outage). A warning with the storage's own message, not an error with a
 * stack trace for each request: a 20-second PostgreSQL outage under 20 polling devices wrote a
 * thousand error lines, a megabyte, per server, and a large fleet's outage would have flooded the
 * log that says what happened.
 */
export class StorageOutageLog {
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;
  private latest: { readonly error: unknown; readonly request: OutageRequest } | undefined;
  private lineDue = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly later: LineTimer = unrefTimer,
    private readonly everyMs = LINE_EVERY_MS,
  ) {}

  report(error: unknown, request: OutageRequest): void {
    this.unlogged += 1;
    this.latest = { error, request };
    if (this.lineDue) return;
    const wait = this.lastLineAt + this.everyMs - this.now();
    if (wait <= 0) {
      this.writeLine();
      return;
    }
    this.lineDue = true;
    this.later(() => {
      this.lineDue = false;
      this.writeLine();
    }, wait);
  }

  private writeLine(): void {
    if (this.unlogged === 0 || this.latest === undefined) return;
    const { error, request } = this.latest;
    this.lastLineAt = this.now();
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
