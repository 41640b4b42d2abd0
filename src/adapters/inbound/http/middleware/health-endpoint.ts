import type { Middleware } from 'koa';
import type { CheckHealth } from '../../../../app/use-cases/check-health.js';
import { problem, sendProblem } from '../problem.js';

const PATH = '/healthz';

/**
 * `GET /healthz`, without credentials (container health checks and load balancers have none):
 * 200 when the database and the file store read and write, 503 otherwise. It says which part
 * fails, never why (the reason is logged).
 */
export function healthEndpoint(checkHealth: CheckHealth): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== PATH) {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      sendProblem(ctx, problem('method-not-allowed', `${ctx.method} is not allowed here; allowed: GET, HEAD`));
      return;
    }
    const report = await checkHealth.execute();
    ctx.status = report.healthy ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: report.healthy ? 'ok' : 'failing', checks: report.checks };
  };
}
