import type { Middleware } from 'koa';
import { problem, sendProblem } from '../problem.js';

/**
 * Gives the router's bare answers a problem body: 404 for a path no route knows, 405 (the router
 * has set `Allow`) for a known path asked with another method.
 */
export function unmatchedRoutes(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 405) {
      sendProblem(ctx, problem('method-not-allowed', `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`));
    } else if (ctx.status === 404 && ctx.body == null) {
      sendProblem(ctx, problem('route-not-found', `no such resource: ${ctx.path}`));
    }
  };
}
