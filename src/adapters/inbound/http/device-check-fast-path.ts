import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isAppVersion } from '../../../domain/app-version.js';
import { isDeviceId } from '../../../domain/device-id.js';
import { appVersionText } from './app-version-query.js';
import { deviceCheckAnswer } from './device-check-answer.js';
import { recordFinishedRequest } from './finished-request.js';
import type { KoaAppDependencies } from './koa-app.js';
import { requestIdFor } from './request-id.js';
import { requestPrincipal } from './request-principal.js';
import { mayHaveUnreadBody } from './unread-body.js';

// The route pattern the Koa router gives the same request, for the metrics.
const CHECK_ROUTE = '/devices/:id';
// `GET /devices/<one segment>?<query>`, origin form, nothing after a `#`.
const CHECK_URL = /^\/devices\/([^/?#]+)\?([^#]*)$/;

/**
 * Device checks are most of a fleet's traffic: every device polls, most are told 204. This
 * answers the successful ones (200 and 204) without building a Koa context, which cost a busy
 * server a third of its CPU per check. Anything else (a failed credential, a malformed id or
 * version, an unknown device, an error) goes to `fallback`, the Koa application, which answers it
 * with the same rules as every other route; nothing is sent or counted here before that.
 */
export function withDeviceCheckFastPath(
  { useCases, authenticator, authFailures, logger, metrics }: KoaAppDependencies,
  fallback: RequestListener,
): RequestListener {
  async function answered(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, started: number): Promise<boolean> {
    const remote = req.socket.remoteAddress;
    if (mayHaveUnreadBody(req) || authFailures.retryAfter(remote ?? '') > 0) return false;
    const outcome = await requestPrincipal(req, authenticator);
    if (outcome.kind !== 'authenticated') return false;
    // The domain's predicates are the very rules of the schemas (same patterns): a value they
    // refuse goes to Koa, whose schemas answer the 400, and the zod call is spared on the hot path.
    let deviceId, running;
    try {
      deviceId = decodeURIComponent(match[1] ?? '');
      running = appVersionText(match[2] ?? '');
    } catch {
      return false;
    }
    if (!isDeviceId(deviceId) || !isAppVersion(running)) return false;
    const check = await useCases.checkForUpdate.execute(deviceId, running, outcome.principal.deviceId);
    if (check.decision.kind !== 'update-available' && check.decision.kind !== 'no-update') return false;
    const answer = deviceCheckAnswer(check, deviceId);
    metrics.check(check.decision.kind);
    const requestId = requestIdFor(req.headers['x-request-id']);
    // Recorded as the request logger records: 'close' comes once, after 'finish' or instead of it.
    res.once('close', () =>
      recordFinishedRequest(logger, metrics, {
        method: 'GET',
        path: `/devices/${match[1]}`,
        route: CHECK_ROUTE,
        status: answer.status,
        bytes: answer.bodyBytes,
        ms: performance.now() - started,
        remote,
        requestId,
        aborted: !res.writableFinished,
      }),
    );
    // A flat list: an object (a spread, or Object.entries of one) made this several times slower.
    const head: string[] = [];
    for (const [name, value] of answer.headers) head.push(name, value);
    head.push('X-Request-Id', requestId);
    res.writeHead(answer.status, head);
    res.end(answer.body);
    return true;
  }

  return (req, res) => {
    const match = req.method === 'GET' ? CHECK_URL.exec(req.url ?? '') : null;
    if (match === null) {
      fallback(req, res);
      return;
    }
    answered(req, res, match, performance.now()).then(
      (done) => {
        if (!done) fallback(req, res);
      },
      () => fallback(req, res),
    );
  };
}
