import type Router from '@koa/router';
import type { HttpMetrics } from '../http-metrics.js';
import { operatorOnly } from '../middleware/basic-auth.js';

/** `GET /metrics`: Prometheus text format, for operators (the numbers describe the fleet). */
export function metricsRoutes(router: Router, metrics: HttpMetrics): void {
  router.get('/metrics', operatorOnly(), async (ctx) => {
    const { contentType, body } = await metrics.exposition();
    ctx.set('Content-Type', contentType);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });
}
