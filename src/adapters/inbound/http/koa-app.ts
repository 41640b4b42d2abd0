import { readFileSync } from 'node:fs';
import { METHODS } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { AuthFailureLimiter } from '../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import type { OperatorSessions } from '../../../app/auth/operator-sessions.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { FinishedRequests } from './finished-request.js';
import type { HttpMetrics } from './http-metrics.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { basicAuth } from './middleware/basic-auth.js';
import { errorResponder } from './middleware/error-responder.js';
import { StorageOutageLog } from './storage-outage-log.js';
import { privateAnswers } from './middleware/private-answers.js';
import { healthEndpoint } from './middleware/health-endpoint.js';
import { requestLogger } from './middleware/request-logger.js';
import { unmatchedRoutes } from './middleware/unmatched-routes.js';
import { apiRoutes } from './routes/api-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { deviceCredentialRoutes } from './routes/device-credential-routes.js';
import { signingKeyRoutes } from './routes/signing-key-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { fileRoutes } from './routes/file-routes.js';
import { fleetRoutes } from './routes/fleet-routes.js';
import { rolloutRoutes } from './routes/rollout-routes.js';
import { deltaRoutes } from './routes/delta-routes.js';
import type { SignInDependencies } from './routes/session-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { uiAssets } from './ui-assets.js';
import type { HttpUseCases } from './use-cases.js';

export interface KoaAppDependencies {
  readonly useCases: HttpUseCases;
  readonly authenticator: Authenticator;
  readonly authFailures: AuthFailureLimiter;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
  /** Where every finished request is recorded (log line and metrics), by both adapters. */
  readonly finishedRequests: FinishedRequests;
  /** The dashboard's sign-ins (its session cookie authenticates operator requests). */
  readonly sessions: OperatorSessions;
  /** Where an outage's 503s are logged, shared with the device adapter (one line per 10 s). */
  readonly outages?: StorageOutageLog;
}

// The version the OpenAPI document states: the package's, read once.
const API_VERSION = (
  JSON.parse(readFileSync(new URL('../../../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Every route of the operator adapter; with the device adapter's (DEVICE_ROUTES), each is described
 * in openapi/api-operations.ts, and a test holds them equal.
 */
export function createApiRouter(useCases: HttpUseCases, metrics: HttpMetrics, signIn: SignInDependencies): Router {
  // Every method Node parses is "implemented", so a wrong method on a known route is a 405
  // (with Allow), never the router's 501.
  const router = new Router({ methods: [...METHODS] });
  deviceRoutes(router, useCases);
  fileRoutes(router, useCases, metrics);
  apiRoutes(router, useCases);
  deviceCredentialRoutes(router, useCases);
  signingKeyRoutes(router, useCases);
  fleetRoutes(router, useCases);
  rolloutRoutes(router, useCases);
  deltaRoutes(router, useCases);
  auditRoutes(router, useCases);
  sessionRoutes(router, signIn);
  metricsRoutes(router, metrics);
  openApiRoutes(router, API_VERSION);
  return router;
}

/**
 * The operator adapter: every request the dispatcher does not give the device adapter, as a Koa
 * application (request log line, problem bodies, `/healthz`, the dashboard's files, authentication,
 * 404 and 405, then the routes in routes/).
 */
export function createKoaApp({
  useCases,
  authenticator,
  authFailures,
  logger,
  metrics,
  finishedRequests,
  sessions,
  outages = new StorageOutageLog(logger),
}: KoaAppDependencies): Koa {
  const app = new Koa();
  const router = createApiRouter(useCases, metrics, {
    sessions,
    authenticator,
    limiter: authFailures,
    logger,
    audit: useCases.audit,
  });

  app.use(requestLogger(finishedRequests));
  app.use(errorResponder(logger, outages));
  app.use(privateAnswers());
  app.use(healthEndpoint(useCases.checkHealth));
  app.use(uiAssets());
  app.use(basicAuth(authenticator, authFailures, logger, sessions));
  app.use(unmatchedRoutes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Errors are answered by errorResponder; what still reaches Koa is a client that went away.
  app.on('error', () => {});
  return app;
}
