import type Router from '@koa/router';
import { auditSource } from '../audit-source.js';
import { validated } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import { keyDigestParamSchema, signingKeyInputSchema } from '../signing-key-schemas.js';
import type { HttpUseCases } from '../use-cases.js';

const PATH = '/api/v1/signing-keys';

/**
 * The trusted Secure Boot v2 signing keys, for operators: list them (the FUOTA_TRUSTED_KEYS
 * file's and those added here), add one (PEM or digest), remove one added here. Changes are
 * audited.
 */
export function signingKeyRoutes(router: Router, useCases: HttpUseCases): void {
  router.get(PATH, operatorOnly(), async (ctx) => {
    ctx.body = await useCases.trustedKeys.list();
  });

  router.post(PATH, operatorOnly(), async (ctx) => {
    const input = validated(signingKeyInputSchema, await jsonBodyOf(ctx), 'invalid-request');
    const added = await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.addSigningKey.execute(input, new Date()),
      (key) => ({
        action: 'signing-key.add',
        target: key.keyDigest,
        detail: { scheme: key.scheme, name: key.name },
      }),
    );
    ctx.status = 201;
    ctx.body = added;
  });

  router.delete(`${PATH}/:digest`, operatorOnly(), async (ctx) => {
    const digest = validated(keyDigestParamSchema, ctx.params.digest, 'invalid-signing-key').toLowerCase();
    const removed = await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.trustedKeys.remove(digest),
      (key) => ({
        action: 'signing-key.remove',
        target: key.keyDigest,
        detail: { scheme: key.scheme, name: key.name },
      }),
    );
    ctx.body = { removed, remaining: (await useCases.trustedKeys.list()).length };
  });
}
