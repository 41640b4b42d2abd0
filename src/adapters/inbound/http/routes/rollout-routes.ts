import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { RolloutView } from '../../../../app/rollout/rollout-operations.js';
import { ROLLOUT_OPERATOR_ACTIONS, RolloutOperationError } from '../../../../app/rollout/rollout-operations.js';
import { DomainError } from '../../../../domain/domain-error.js';
import type { FieldProblem } from '../../../../domain/rollout/field-problem.js';
import type { RolloutDefinition, RolloutInput } from '../../../../domain/rollout/rollout-definition.js';
import type { RolloutId } from '../../../../domain/rollout/rollout-id.js';
import { isRolloutId, ROLLOUT_ID_RULE } from '../../../../domain/rollout/rollout-id.js';
import { auditSource } from '../audit-source.js';
import { deviceIdParam, queryValue, refuseUnknownQuery } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import {
  attemptStateQuerySchema,
  problemsText,
  rolloutInputSchema,
  rolloutPatchSchema,
  rolloutStateQuerySchema,
  schemaProblems,
} from '../rollout-schemas.js';
import {
  devicePenaltiesView,
  patchedDefinition,
  rolloutDeviceView,
  rolloutPreviewView,
  rolloutView,
  type RolloutPatch,
} from '../rollout-views.js';
import type { HttpUseCases } from '../use-cases.js';

/**
 * A rollout body checked against its schema; one that does not fit is the service's own 400
 * (`invalid-rollout`), naming every bad field by its path, as a definition with bad values is.
 * `valueProblems`, when given, also names the bad values of the fields whose type was right, so
 * that one answer names them all.
 */
export function rolloutBody<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  valueProblems?: (wellTyped: RolloutInput) => readonly FieldProblem[],
  /** The definition the well-typed fields make (a patch's: merged onto the rollout's). */
  complete: (kept: Record<string, unknown>) => RolloutInput | undefined = wholeInput,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = schemaProblems(result.error);
  const wellTyped = valueProblems === undefined ? undefined : wellTypedPart(raw, problems, complete);
  if (wellTyped !== undefined && valueProblems !== undefined) {
    const badFields = new Set(problems.map((problem) => problem.path[0]));
    problems.push(...valueProblems(wellTyped).filter((problem) => !badFields.has(problem.path[0])));
  }
  throw new RolloutOperationError('invalid-rollout', `the rollout is not valid: ${problemsText(problems)}`, problems);
}

/**
 * The fields of a body that had no type problem, when they still make a definition to judge
 * (`complete`). Undefined otherwise (its type problems say enough).
 */
function wellTypedPart(
  raw: unknown,
  problems: readonly FieldProblem[],
  complete: (kept: Record<string, unknown>) => RolloutInput | undefined,
): RolloutInput | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const badFields = new Set(problems.map((problem) => problem.path[0]));
  return complete(Object.fromEntries(Object.entries(raw).filter(([field]) => !badFields.has(field))));
}

/** A whole definition's well-typed fields: a definition when its name and file are strings. */
function wholeInput(kept: Record<string, unknown>): RolloutInput | undefined {
  return typeof kept.name === 'string' && typeof kept.file === 'string' ? (kept as unknown as RolloutInput) : undefined;
}

/** The `:id` of a rollout route. An id no rollout can have (see ROLLOUT_ID_RULE) names none: 404. */
function rolloutIdParam(ctx: Context): RolloutId {
  const raw = String(ctx.params.id);
  if (!isRolloutId(raw)) throw new RolloutOperationError('rollout-not-found', `no rollout ${raw}: ${ROLLOUT_ID_RULE}`);
  return raw;
}

const notFound = (id: string) => new RolloutOperationError('rollout-not-found', `no rollout ${id}`);

/**
 * The rollouts for operators (issue 17): create, list, read, change while draft or paused,
 * preview, the operator actions, the devices offered to; and a device's penalty box. Every change
 * goes through the rollout service with who made it, and the service records it in the audit log.
 */
export function rolloutRoutes(router: Router, useCases: HttpUseCases): void {
  const current = (id: RolloutId): RolloutView => {
    const view = useCases.rollouts.get(id);
    if (view === undefined) throw notFound(id);
    return view;
  };

  router.post('/api/v1/rollouts', operatorOnly(), async (ctx) => {
    const input = rolloutBody(rolloutInputSchema, await jsonBodyOf(ctx), (wellTyped) =>
      useCases.rollouts.problemsOf(wellTyped),
    );
    const view = await useCases.rollouts.create(input, auditSource(ctx));
    ctx.status = 201;
    ctx.set('Location', `/api/v1/rollouts/${view.rollout.id}`);
    ctx.body = rolloutView(view);
  });

  router.get('/api/v1/rollouts', operatorOnly(), (ctx) => {
    refuseUnknownQuery(ctx, ['state']);
    const state = queryValue(ctx, 'state', rolloutStateQuerySchema);
    const views = useCases.rollouts.list().filter((view) => state === undefined || view.rollout.state === state);
    ctx.body = { items: views.map(rolloutView) };
  });

  router.get('/api/v1/rollouts/:id', operatorOnly(), (ctx) => {
    ctx.body = rolloutView(current(rolloutIdParam(ctx)));
  });

  router.patch('/api/v1/rollouts/:id', operatorOnly(), async (ctx) => {
    const id = rolloutIdParam(ctx);
    const { definition } = current(id).rollout;
    // A patch with a field of the wrong type also names the bad values of its other fields, as
    // a new definition does: judged merged onto the rollout as it is.
    const patch = rolloutBody(
      rolloutPatchSchema,
      await jsonBodyOf(ctx),
      (merged) => useCases.rollouts.problemsOf(merged),
      (kept) => patchedDefinition(definition, kept as RolloutPatch),
    );
    // Merged onto the definition as it is when the edit's turn comes (another operator's edit
    // made meanwhile is kept); the service refuses the edit unless the rollout is a draft or
    // paused, and judges the merged definition as a whole.
    const edit = (definition: RolloutDefinition) => patchedDefinition(definition, patch);
    ctx.body = rolloutView(await useCases.rollouts.edit(id, edit, auditSource(ctx)));
  });

  // Before `/:id/...`: a definition's preview, for a form that has not created its rollout yet.
  router.post('/api/v1/rollouts/preview', operatorOnly(), async (ctx) => {
    const input = rolloutBody(rolloutInputSchema, await jsonBodyOf(ctx), (wellTyped) =>
      useCases.rollouts.problemsOf(wellTyped),
    );
    ctx.body = rolloutPreviewView(await useCases.rollouts.previewDefinition(input));
  });

  router.post('/api/v1/rollouts/:id/preview', operatorOnly(), async (ctx) => {
    const id = rolloutIdParam(ctx);
    current(id);
    ctx.body = rolloutPreviewView(await useCases.rollouts.preview(id));
  });

  for (const action of ROLLOUT_OPERATOR_ACTIONS) {
    router.post(`/api/v1/rollouts/:id/${action}`, operatorOnly(), async (ctx) => {
      const id = rolloutIdParam(ctx);
      ctx.body = rolloutView(await useCases.rollouts.act(id, action, auditSource(ctx)));
    });
  }

  router.get('/api/v1/rollouts/:id/devices', operatorOnly(), (ctx) => {
    refuseUnknownQuery(ctx, ['state']);
    const id = rolloutIdParam(ctx);
    const state = queryValue(ctx, 'state', attemptStateQuerySchema);
    current(id);
    ctx.body = { items: useCases.rollouts.devices(id, state).map(rolloutDeviceView) };
  });

  router.get('/api/v1/devices/:id/penalty', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    // As DELETE: a mistyped id is told so, not that such a device is out of the box.
    if (useCases.fleet.entry(deviceId) === undefined) {
      throw new DomainError('device-not-found', `device ${deviceId} has never checked`);
    }
    ctx.body = devicePenaltiesView(
      deviceId,
      useCases.rollouts.penalties(deviceId),
      await useCases.rollouts.rolledBack(deviceId),
    );
  });

  router.delete('/api/v1/devices/:id/penalty', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    if (!(await useCases.rollouts.clearPenalty(deviceId, auditSource(ctx)))) {
      throw new DomainError('device-not-found', `device ${deviceId} has never checked`);
    }
    ctx.status = 204;
  });
}
