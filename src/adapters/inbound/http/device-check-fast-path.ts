import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isAppVersion } from '../../../domain/app-version.js';
import { isDeviceId } from '../../../domain/device-id.js';
import { appVersionText } from './app-version-query.js';
import { deviceCheckAnswer } from './device-check-answer.js';
import type { FastPath } from './fast-path.js';
import { fastPathPrincipal, recordWhenClosed } from './fast-path.js';
import { flatHeaders } from './header-list.js';
import type { KoaAppDependencies } from './koa-app.js';
import { requestIdFor } from './request-id.js';

// The route pattern the Koa router gives the same request, for the metrics.
const CHECK_ROUTE = '/devices/:id';
// `GET /devices/<one segment>?<query>`, origin form, nothing after a `#`.
const CHECK_URL = /^\/devices\/([^/?#]+)\?([^#]*)$/;

/**
 * Device checks are most of a fleet's requests: every device polls, most are told 204. This
 * answers the successful ones (200 and 204) without Koa, which cost a busy server a third of its
 * CPU per check; anything else goes to Koa (see FastPath).
 */
export function deviceCheckFastPath({ useCases, authenticator, authFailures, logger, metrics }: KoaAppDependencies): FastPath {
  async function answered(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, started: number): Promise<boolean> {
    const credential = await fastPathPrincipal(req, authenticator, authFailures);
    if (credential === undefined) return false;
    // The domain's predicates are the very rules of the schemas (same patterns): a value they
    // refuse goes to Koa, whose schemas answer the 400, and the zod call is spared on the hot path.
    let deviceId, running;
    try {
      // Devices send their id unescaped: the decoding is needed only when there is an escape.
      const rawId = match[1] ?? '';
      deviceId = rawId.includes('%') ? decodeURIComponent(rawId) : rawId;
      running = appVersionText(match[2] ?? '');
    } catch {
      return false;
    }
    if (!isDeviceId(deviceId) || !isAppVersion(running)) return false;
    const check = await useCases.checkForUpdate.execute(deviceId, running, credential.principal.deviceId);
    // A client gone meanwhile is Koa's to record (as aborted).
    const kind = check.decision.kind;
    if (res.destroyed || (kind !== 'update-available' && kind !== 'no-update' && kind !== 'reinstall-loop')) return false;
    const answer = deviceCheckAnswer(check, deviceId);
    metrics.check(check.decision.kind);
    const requestId = requestIdFor(req.headers['x-request-id']);
    recordWhenClosed(res, logger, metrics, {
      path: `/devices/${match[1]}`,
      route: CHECK_ROUTE,
      status: answer.status,
      requestId,
      started,
      credential,
      bytes: () => answer.bodyBytes,
    });
    res.writeHead(answer.status, flatHeaders(answer.headers, requestId));
    res.end(answer.body);
    return true;
  }

  return (req, res) => {
    const match = req.method === 'GET' ? CHECK_URL.exec(req.url ?? '') : null;
    return match === null ? undefined : answered(req, res, match, performance.now());
  };
}
