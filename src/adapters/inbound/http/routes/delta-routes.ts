import type Router from '@koa/router';
import { updateFilePathSchema } from '../api-schemas.js';
import { auditSource } from '../audit-source.js';
import { deltaBuildView, deltaPatchView } from '../delta-views.js';
import { deltaIdParamSchema, deltaMakeSchema } from '../delta-schemas.js';
import { validated } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';

const PATH = '/api/v1/deltas';

/**
 * Delta patches, for operators: list them (with the pairs that gave none), make one now between
 * two stored images, remove one. Changes are audited.
 */
export function deltaRoutes(router: Router, useCases: HttpUseCases): void {
  router.get(PATH, operatorOnly(), async (ctx) => {
    ctx.body = {
      patches: useCases.deltas.list().map(deltaPatchView),
      builds: useCases.deltas.buildStates().map(deltaBuildView),
    };
  });

  router.post(PATH, operatorOnly(), async (ctx) => {
    const input = validated(deltaMakeSchema, await jsonBodyOf(ctx), 'invalid-request');
    const base = validated(updateFilePathSchema, input.base, 'invalid-file-path');
    const target = validated(updateFilePathSchema, input.target, 'invalid-file-path');
    // The answer waits for the build (its turn, then up to FUOTA_DELTA_BUILD_TIMEOUT_SECONDS): the server's
    // idle timeout, meant for clients that stop talking, must not cut off this silent wait.
    const socket = ctx.req.socket;
    const idleTimeout = socket.timeout ?? 0;
    socket.setTimeout(0);
    const patch = await useCases.audit
      .recorded(
        auditSource(ctx),
        () => useCases.deltas.make(base, target),
        (made) => ({
          action: 'delta.make',
          target: made.id,
          detail: { base: input.base, target: input.target, size: made.size, targetSize: made.targetSize },
        }),
      )
      .finally(() => socket.setTimeout(idleTimeout));
    ctx.status = 201;
    ctx.body = deltaPatchView(patch);
  });

  router.delete(`${PATH}/:id`, operatorOnly(), async (ctx) => {
    const id = validated(deltaIdParamSchema, ctx.params.id, 'invalid-request', 'delta id');
    await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.deltas.remove(id),
      (removed) => ({
        action: 'delta.delete',
        target: removed.id,
        detail: { base: removed.basePath, target: removed.targetPath, size: removed.size },
      }),
    );
    ctx.status = 204;
  });
}
