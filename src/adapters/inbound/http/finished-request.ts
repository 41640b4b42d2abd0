import type { Logger } from '../../../ports/logger.port.js';
import type { HttpMetrics } from './http-metrics.js';

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
  readonly aborted: boolean;
}

/**
 * The one record of a finished request: its log line (method, path, status, bytes of body sent,
 * milliseconds, client address, request id; never a header or the query) and its metrics. Both
 * the Koa request logger and the device-check fast path report through here, so the two always
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
    ...(request.aborted ? { outcome: 'aborted' } : {}),
  });
}
