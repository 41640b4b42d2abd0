import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import type { Logger } from '../../../../ports/logger.port.js';

/**
 * One line per request once its answer is finished (or the client went away): method, path
 * (never the query string, never a header), status, bytes of body sent, milliseconds.
 */
export function requestLogger(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let streamed = 0;
    const remote = ctx.req.socket.remoteAddress; // the socket is detached once the answer is done
    const res = ctx.res;
    const done = (outcome: 'finished' | 'aborted') => {
      res.off('finish', onFinish);
      res.off('close', onClose);
      const length = ctx.response.length;
      logger.info('request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        bytes: ctx.method === 'HEAD' ? 0 : streamed > 0 || length === undefined ? streamed : length,
        ms: (performance.now() - started).toFixed(1),
        remote,
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
