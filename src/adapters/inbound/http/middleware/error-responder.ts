import type { Middleware } from 'koa';
import type { Logger } from '../../../../ports/logger.port.js';
import { errorProblem } from '../error-problem.js';
import { sendProblem } from '../problem.js';
import type { StorageOutageLog } from '../storage-outage-log.js';
import { mayHaveUnreadBody } from '../unread-body.js';

/** Turns every failure of the operator adapter's routes into a problem response (see errorProblem). */
export function errorResponder(logger: Logger, outages: StorageOutageLog): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      if (ctx.headerSent || !ctx.writable) {
        // The answer had begun (a streamed body): all that is left is to cut it short.
        ctx.res.destroy();
        return;
      }
      ctx.res.removeHeader('Content-Length');
      sendProblem(
        ctx,
        errorProblem(
          caught,
          (error) =>
            logger.error('unexpected error', { method: ctx.method, path: ctx.path, reqId: ctx.state.requestId, error }),
          (error) =>
            outages.report(error, { method: ctx.method, path: ctx.path, reqId: ctx.state.requestId as string }),
        ),
      );
      // The rest of a refused body may still be on its way: close instead of reading it.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
    }
  };
}
