import type Router from '@koa/router';
import { openApiDocument } from '../openapi/openapi-document.js';

/** `GET /api/v1/openapi.json`: the API's description, for any authenticated client. */
export function openApiRoutes(router: Router, version: string): void {
  // Built once: the operations and schemas do not change while the server runs.
  const document = Buffer.from(JSON.stringify(openApiDocument(version)));
  router.get('/api/v1/openapi.json', (ctx) => {
    ctx.set('Content-Type', 'application/json');
    ctx.body = document;
  });
}
