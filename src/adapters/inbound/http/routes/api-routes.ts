import type Router from '@koa/router';
import type { z } from 'zod';
import type { updateFileDetailSchema } from '../api-schemas.js';
import { updateFileView } from '../update-file-view.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';
import { filePath } from './file-routes.js';
import { deltaPatchView } from '../delta-views.js';

/** The JSON API (`/api/v1`): what the server knows of its files. */
export function apiRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/api/v1/files', operatorOnly(), async (ctx) => {
    ctx.body = (await useCases.listUpdateFiles.execute()).map(updateFileView);
  });

  // One file with what uses it: the dashboard's file page, and what an operator checks before
  // deleting or replacing it.
  router.get('/api/v1/files/*path', operatorOnly(), async (ctx) => {
    const path = filePath(ctx);
    const entry = await useCases.listUpdateFiles.one(path);
    const rollouts = useCases.rollouts
      .list()
      .filter((view) => view.rollout.definition.file === path)
      .map(({ rollout }) => ({ id: rollout.id, name: rollout.definition.name, state: rollout.state }));
    ctx.body = {
      ...updateFileView(entry),
      usage: { devices: await useCases.listUpdateFiles.namedBy(path), rollouts },
      patches: useCases.deltas.patchesTo(entry.sha256).map(deltaPatchView),
    } satisfies z.input<typeof updateFileDetailSchema>;
  });
}
