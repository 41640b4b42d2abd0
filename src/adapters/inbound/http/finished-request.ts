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

/**
 * The one record of a finished request: its log line (method, path, status, bytes of body sent,
 * milliseconds, client address, request id, the credential's user name and kind; never a
 * secret, a header or the query) and its metrics. Both adapters report through here (the
 * operator adapter's request logger, the device adapter's DeviceExchange), so the two always
 * say the same.
 */
export function recordFinishedRequest(logger: Logger, metrics: HttpMetrics, request: FinishedRequest): void {
  metrics.request(request.method, request.route, request.status, request.bytes, request.ms / 1000);
  logger.info('request', {
    method: request.method,
    path: request.path,
    status: request.status,
    bytes: request.bytes,
    ms: request.ms.toFixed(1),
    remote: request.remote,
    reqId: request.requestId,
    ...(request.auth === undefined ? {} : { user: request.user?.slice(0, USER_CHARS), auth: request.auth }),
    ...(request.aborted ? { outcome: 'aborted' } : {}),
  });
}
