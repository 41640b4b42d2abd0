import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AuthFailureLimiter } from '../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import type { Logger } from '../../../ports/logger.port.js';
import { recordFinishedRequest } from './finished-request.js';
import type { HttpMetrics } from './http-metrics.js';
import type { AuthenticatedOutcome } from './request-principal.js';
import { offeredUser, requestPrincipal } from './request-principal.js';
import { mayHaveUnreadBody } from './unread-body.js';

/**
 * A handler for the few requests that make most of a fleet's traffic (device checks, firmware
 * downloads), answered without building a Koa context. It returns undefined at once for a request
 * it does not take; for one it takes, a promise of whether it answered. When that is false (or
 * the promise rejects) nothing has been sent or counted, and the Koa application answers the
 * request with the same rules as every other route: a failed credential, a malformed value, a
 * missing row or file, an error all end there.
 */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | undefined;

/**
 * Who sent a request a fast path may answer, or undefined when it must go to Koa: a body that
 * may be unread, an address in its cool-down after failed authentications, or a credential that
 * does not authenticate (Koa answers, counts and logs those).
 */
export async function fastPathPrincipal(
  req: IncomingMessage,
  authenticator: Authenticator,
  authFailures: AuthFailureLimiter,
): Promise<AuthenticatedOutcome | undefined> {
  if (mayHaveUnreadBody(req) || authFailures.refusal(req.socket.remoteAddress ?? '', () => offeredUser(req)) !== undefined) return undefined;
  const outcome = await requestPrincipal(req, authenticator);
  return outcome.kind === 'authenticated' ? outcome : undefined;
}

/** A request a fast path answers, as the log and the metrics will record it. */
export interface FastPathRequest {
  readonly path: string;
  readonly route: string;
  readonly status: number;
  readonly requestId: string;
  readonly started: number;
  /** Who authenticated it, and how (for the log line). */
  readonly credential: AuthenticatedOutcome;
  /** The bytes of body sent, asked once the answer is done. */
  readonly bytes: () => number;
}

/**
 * Records a fast path's request as the Koa request logger records its own: 'close' comes once,
 * after 'finish' or instead of it (the client went away).
 */
export function recordWhenClosed(res: ServerResponse, logger: Logger, metrics: HttpMetrics, request: FastPathRequest): void {
  // Read now: the socket is detached once the answer is done.
  const remote = res.req.socket.remoteAddress;
  res.once('close', () =>
    recordFinishedRequest(logger, metrics, {
      method: 'GET',
      path: request.path,
      route: request.route,
      status: request.status,
      bytes: request.bytes(),
      ms: performance.now() - request.started,
      remote,
      requestId: request.requestId,
      user: request.credential.user,
      auth: request.credential.method,
      aborted: !res.writableFinished,
    }),
  );
}
