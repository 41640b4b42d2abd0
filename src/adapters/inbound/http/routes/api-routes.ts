import type Router from '@koa/router';
import { updateFileView } from '../update-file-view.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';
import { filePath } from './file-routes.js';

/** The JSON API (`/api/v1`): what the server knows of its files. */
export function apiRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/api/v1/files', operatorOnly(), async (ctx) => {
    ctx.body = (await useCases.listUpdateFiles.execute()).map(updateFileView);
  });

  router.get('/api/v1/files/*path', operatorOnly(), async (ctx) => {
    ctx.body = updateFileView(await useCases.listUpdateFiles.one(filePath(ctx)));
  });
}
