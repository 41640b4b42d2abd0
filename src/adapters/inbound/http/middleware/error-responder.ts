import type { Middleware } from 'koa';
import { isDomainError } from '../../../../domain/domain-error.js';
import { ImageRejected } from '../../../../domain/firmware/image-rejection.js';
import type { Logger } from '../../../../ports/logger.port.js';
import { httpErrorProblem, problem, sendProblem } from '../problem.js';
import { TransportError } from '../transport-error.js';
import { mayHaveUnreadBody } from '../unread-body.js';

interface HttpError extends Error {
  status?: number;
  expose?: boolean;
}

/**
 * Turns every failure into a problem response: domain and transport errors through the status table, HTTP
 * errors raised by Koa middleware (body too large, bad JSON...) as they are, and anything else as
 * a 500 that reveals nothing of the server's internals while the log keeps the stack.
 */
export function errorResponder(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      if (ctx.headerSent || !ctx.writable) {
        // The answer had begun (a streamed body): all that is left is to cut it short.
        ctx.res.destroy();
        return;
      }
      const error = caught as HttpError;
      ctx.res.removeHeader('Content-Length');
      if (isDomainError(error) || error instanceof TransportError) {
        const extra = error instanceof ImageRejected ? { reason: error.reason } : undefined;
        sendProblem(ctx, problem(error.code, error.message, extra));
      } else if (error.status !== undefined && error.status >= 400 && error.status < 500) {
        sendProblem(ctx, httpErrorProblem(error.status, error.expose ? error.message : 'bad request'));
      } else {
        logger.error('unexpected error', { method: ctx.method, path: ctx.path, reqId: ctx.state.requestId, error });
        sendProblem(ctx, problem('internal-error', 'the server failed; the error is in its log'));
      }
      // The rest of a refused body may still be on its way: close instead of reading it.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
    }
  };
}
