import type Router from '@koa/router';
import { DomainError } from '../../../../domain/domain-error.js';
import { KEY_DIGEST_FORMS_TEXT, keyDigestOf } from '../../../../domain/firmware/trusted-key.js';
import { auditSource } from '../audit-source.js';
import { validated } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import { keyDigestParamSchema, signingKeyInputSchema } from '../signing-key-schemas.js';
import type { HttpUseCases } from '../use-cases.js';

const PATH = '/api/v1/signing-keys';

/** A body with neither or both of the two keys: say what is expected (the schema would say only "Invalid input"). */
function refuseNeitherOrBoth(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const given = ['publicKey', 'keyDigest'].filter((field) => field in body);
  if (given.length === 1) return;
  throw new DomainError(
    'invalid-request',
    `give either publicKey (a PEM public key) or keyDigest (${KEY_DIGEST_FORMS_TEXT}), ${given.length === 0 ? 'one of them' : 'not both'}; name is optional`,
  );
}

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
    const body: unknown = await jsonBodyOf(ctx);
    refuseNeitherOrBoth(body);
    const input = validated(signingKeyInputSchema, body, 'invalid-request');
    const added = await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.addSigningKey.execute(input, new Date()),
      // Adding a key already there changes nothing unless it names it anew or brings its scheme.
      ({ key, outcome }) =>
        outcome === 'unchanged'
          ? []
          : {
              action: outcome === 'added' ? 'signing-key.add' : 'signing-key.update',
              target: key.keyDigest,
              detail: { scheme: key.scheme, name: key.name },
            },
    );
    ctx.status = added.outcome === 'added' ? 201 : 200;
    ctx.body = added.key;
  });

  router.delete(`${PATH}/:digest`, operatorOnly(), async (ctx) => {
    const digest = keyDigestOf(validated(keyDigestParamSchema, ctx.params.digest, 'invalid-request', 'key digest'));
    if (digest === undefined) {
      throw new DomainError('invalid-request', `the path must end with a key digest: ${KEY_DIGEST_FORMS_TEXT}`);
    }
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
