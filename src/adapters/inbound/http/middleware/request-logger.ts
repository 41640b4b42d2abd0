import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import type { Logger } from '../../../../ports/logger.port.js';
import type { HttpMetrics } from '../http-metrics.js';
import { UNMATCHED_ROUTE } from '../http-metrics.js';
import { requestIdFor } from '../request-id.js';

/**
 * One line per request once its answer is finished (or the client went away): method, path
 * (never the query string, never a header), status, bytes of body sent, milliseconds; and the
 * same request counted in the metrics under its route pattern.
 */
export function requestLogger(logger: Logger, metrics: HttpMetrics): Middleware {
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
      const bytes = ctx.method === 'HEAD' ? 0 : streamed > 0 || length === undefined ? streamed : length;
      const ms = performance.now() - started;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      metrics.request(ctx.method, typeof route === 'string' ? route : UNMATCHED_ROUTE, ctx.status, bytes, ms / 1000);
      logger.info('request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        bytes,
        ms: ms.toFixed(1),
        remote,
        reqId: requestId,
        ...(outcome === 'aborted' ? { outcome } : {}),
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
