import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import type { FinishedRequests } from '../finished-request.js';
import { CLIENT_CLOSED_REQUEST } from '../finished-request.js';
import { UNMATCHED_ROUTE } from '../http-metrics.js';
import { requestIdFor } from '../request-id.js';
import { credentialOf } from './basic-auth.js';

/**
 * Gives each request its id (`X-Request-Id`) and records it once its answer is finished or the
 * client went away (see FinishedRequests).
 */
export function requestLogger(finished: FinishedRequests): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdFor(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    let streamed = 0;
    const remote = ctx.req.socket.remoteAddress; // the socket is detached once the answer is done
    const res = ctx.res;
    const done = (outcome: 'finished' | 'aborted') => {
      res.off('finish', onFinish);
      res.off('close', onClose);
      const length = ctx.response.length;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      finished.record({
        method: ctx.method,
        path: ctx.path,
        route: typeof route === 'string' ? route : UNMATCHED_ROUTE,
        status: outcome === 'aborted' && !res.headersSent ? CLIENT_CLOSED_REQUEST : ctx.status,
        bytes: ctx.method === 'HEAD' ? 0 : streamed > 0 || length === undefined ? streamed : length,
        ms: performance.now() - started,
        remote,
        requestId,
        user: credentialOf(ctx)?.user,
        auth: credentialOf(ctx)?.auth,
        aborted: outcome === 'aborted',
      });
    };
    const onFinish = () => done('finished');
    const onClose = () => done('aborted');
    res.once('finish', onFinish);
    res.once('close', onClose);
    // A streamed body's size is known only as it flows: count it once Koa has piped it.
    res.once('pipe', (source: Readable) => {
      source.on('data', (chunk: Buffer) => {
        streamed += chunk.length;
      });
    });
    await next();
  };
}
