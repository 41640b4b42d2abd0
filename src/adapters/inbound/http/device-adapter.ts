import type { Principal } from '../../../app/auth/principal.js';
import type { AuthFailureLimiter } from '../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import type { Logger } from '../../../ports/logger.port.js';
import { deviceCheckHandler } from './device-check-handler.js';
import { DeviceExchange } from './device-exchange.js';
import { errorProblem } from './error-problem.js';
import { fileDownloadHandler } from './file-download-handler.js';
import { StorageOutageLog } from './storage-outage-log.js';
import type { FinishedRequests } from './finished-request.js';
import type { HttpMetrics } from './http-metrics.js';
import { authenticatedAtOnce, authenticateRequest } from './request-authentication.js';
import type { DeviceRequestListener, DeviceRoute } from './request-dispatcher.js';
import type { HttpUseCases } from './use-cases.js';

export interface DeviceAdapterDependencies {
  readonly useCases: Pick<HttpUseCases, 'checkForUpdate' | 'openUpdateFile' | 'fleet' | 'offerPolicy' | 'deltaOffers'>;
  readonly authenticator: Authenticator;
  readonly authFailures: AuthFailureLimiter;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
  /** Where every finished request is recorded (log line and metrics), shared with the operator adapter. */
  readonly finishedRequests: FinishedRequests;
  /** Where an outage's 503s are logged, shared with the operator adapter (one line per 10 s). */
  readonly outages?: StorageOutageLog;
}

type DeviceHandler = (exchange: DeviceExchange, principal: Principal) => Promise<void>;

/**
 * The device adapter: the whole device protocol (`GET|HEAD /devices/<id>?app_ver=` and
 * `GET|HEAD /files/<path>`), every answer included, as plain `node:http` handlers (no framework:
 * see docs/architecture.md for why). The dispatcher hands it a request it alone answers: it
 * gives the request its id, authenticates it (with the operator adapter's rules, from the same
 * code), runs the route's handler, turns every failure into a problem body (logging the
 * unexpected ones), and records the request once in the log and the metrics.
 */
export function createDeviceAdapter({
  useCases,
  authenticator,
  authFailures,
  logger,
  metrics,
  finishedRequests,
  outages = new StorageOutageLog(logger),
}: DeviceAdapterDependencies): DeviceRequestListener {
  const handlers: Record<DeviceRoute['name'], DeviceHandler> = {
    'device-check': deviceCheckHandler(
      useCases.checkForUpdate,
      metrics,
      useCases.fleet,
      useCases.offerPolicy,
      useCases.deltaOffers,
    ),
    'file-download': fileDownloadHandler(
      useCases.openUpdateFile,
      logger,
      metrics,
      useCases.fleet,
      useCases.offerPolicy,
      useCases.deltaOffers,
    ),
  };

  /**
   * Authenticates the request and runs its handler. Not an async function, so that the common
   * request (a header that authenticated before: see authenticatedAtOnce) waits for no promise;
   * whatever it throws still rejects, to be answered as a problem.
   */
  function answer(exchange: DeviceExchange): Promise<void> {
    try {
      const known = authenticatedAtOnce(exchange.req, authenticator, authFailures);
      if (known === undefined) return authenticateAndAnswer(exchange);
      exchange.credential = { user: known.user, auth: known.method };
      return handlers[exchange.target.route.name](exchange, known.principal);
    } catch (caught) {
      return Promise.reject(caught);
    }
  }

  async function authenticateAndAnswer(exchange: DeviceExchange): Promise<void> {
    const verdict = await authenticateRequest(exchange.req, authenticator, authFailures, logger, exchange.requestId);
    if (verdict.kind === 'refused') {
      exchange.credential = { user: verdict.user, auth: 'refused' };
      exchange.problem(verdict.problem, verdict.headers);
      return;
    }
    exchange.credential = { user: verdict.user, auth: verdict.method };
    await handlers[exchange.target.route.name](exchange, verdict.principal);
  }

  function failed(exchange: DeviceExchange, caught: unknown): void {
    const request = { method: exchange.req.method, path: exchange.target.path, reqId: exchange.requestId };
    const problem = errorProblem(
      caught,
      (error) => logger.error('unexpected error', { ...request, error }),
      (error) => outages.report(error, request),
    );
    // An answer already begun (a streamed body) can only be cut short.
    if (exchange.res.headersSent) exchange.res.destroy();
    else exchange.problem(problem);
  }

  return (req, res, target) => {
    const exchange = new DeviceExchange(req, res, target);
    exchange.recordWhenClosed(finishedRequests);
    answer(exchange).catch((caught: unknown) => failed(exchange, caught));
  };
}
