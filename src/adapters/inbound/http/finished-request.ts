import type { Logger } from '../../../ports/logger.port.js';
import type { HttpMetrics } from './http-metrics.js';

/**
 * The status recorded for a request whose client went away before any answer was sent (nginx's
 * "client closed request"): nothing was answered, so Koa's default 404 (or Node's 200) would be a lie.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/** What is known of a request once its answer is done (or the client went away). */
export interface FinishedRequest {
  readonly method: string;
  /** The path without the query string (which may carry what is not ours to log). */
  readonly path: string;
  /** The route pattern, for the metrics' bounded labels. */
  readonly route: string;
  readonly status: number;
  readonly bytes: number;
  readonly ms: number;
  readonly remote: string | undefined;
  readonly requestId: string;
  /** The user name the request's credential gave (never its secret), when it gave one. */
  readonly user?: string | undefined;
  /** How it authenticated (`credential`, `device-credential`, `certificate`) or `refused`. */
  readonly auth?: string | undefined;
  readonly aborted: boolean;
}

// A user name is logged as given, up to this length (a header may be kilobytes long).
const USER_CHARS = 128;

/** The longest a finished request waits for its log line and metrics. */
export const RECORD_DELAY_MS = 10;
/** Finished requests recorded at once, before the delay is over, when this many are waiting. */
const RECORD_BATCH = 256;

/**
 * The one record of finished requests: each one's log line (method, path, status, bytes of body
 * sent, milliseconds, client address, request id, the credential's user name and kind; never a
 * secret, a header or the query) and its metrics. Both adapters report through here (the
 * operator adapter's request logger, the device adapter's DeviceExchange), so the two always
 * say the same.
 *
 * Requests are recorded in batches, at most RECORD_DELAY_MS after they finished (a line's `time`
 * is when it is written, its `ms` the request's own): recording one right after its answer ran
 * the logger's and the metrics' code cold (a device's check comes on a new TLS connection, whose
 * handshake leaves little of it in the CPU's caches), several times what the same code costs
 * in a loop. A scrape of the metrics records the waiting ones first; so does close(), when the
 * server has stopped (requests that end after it, cut by the stop, are recorded at once), and so
 * does the process's exit, however it exits. The timer keeps the process alive until they are.
 */
export class FinishedRequests {
  private waiting: FinishedRequest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: HttpMetrics,
  ) {
    metrics.beforeRead(() => this.drain());
    recordedAtExit.add(this);
  }

  record(request: FinishedRequest): void {
    this.waiting.push(request);
    if (this.closed || this.waiting.length >= RECORD_BATCH) this.drain();
    else this.timer ??= setTimeout(() => this.drain(), RECORD_DELAY_MS);
  }

  /** Records every request waiting, now. */
  drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    let failed: { error: unknown; count: number } | undefined;
    for (const request of waiting) {
      // One record that cannot be made must not take the rest of the batch (or a stop) with it.
      try {
        recordFinishedRequest(this.logger, this.metrics, request);
      } catch (error) {
        failed = { error, count: (failed?.count ?? 0) + 1 };
      }
    }
    if (failed !== undefined) {
      try {
        this.logger.warn('finished requests could not be recorded', failed);
      } catch {
        // The logger itself failing: nowhere left to say it.
      }
    }
  }

  /** The server has stopped: records what waits, and from now on each request as it ends. */
  close(): void {
    this.closed = true;
    recordedAtExit.delete(this);
    this.drain();
  }
}

/**
 * The recorders of servers not closed yet, drained when the process exits (an exit after a lost
 * data-dir lock, an uncaught error): before the logger writes out its last lines, whose own exit
 * listener was added earlier (so this one goes in front). One listener for all of them.
 */
const recordedAtExit = new Set<FinishedRequests>();
process.prependOnceListener('exit', () => {
  for (const recorder of recordedAtExit) recorder.drain();
});

function recordFinishedRequest(logger: Logger, metrics: HttpMetrics, request: FinishedRequest): void {
  metrics.request(request.method, request.route, request.status, request.bytes, request.ms / 1000);
  logger.info('request', {
    method: request.method,
    path: request.path,
    status: request.status,
    bytes: request.bytes,
    ms: request.ms.toFixed(1),
    remote: request.remote,
    reqId: request.requestId,
    // Undefined fields are left out of the line: one object shape for every request.
    user: request.auth === undefined ? undefined : request.user?.slice(0, USER_CHARS),
    auth: request.auth,
    outcome: request.aborted ? 'aborted' : undefined,
  });
}
