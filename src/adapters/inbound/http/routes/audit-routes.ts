import type Router from '@koa/router';
import { AUDIT_PAGE, auditCursorSchema, auditRecordView } from '../audit-schemas.js';
import { queryValue, refuseUnknownQuery } from '../edge-validation.js';
import { limitSchema } from '../fleet-schemas.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';

/** The audit log for operators: every operator change, ascending, paged by seq. */
export function auditRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/api/v1/audit', operatorOnly(), async (ctx) => {
    refuseUnknownQuery(ctx, ['after', 'limit']);
    const after = queryValue(ctx, 'after', auditCursorSchema) ?? 0;
    const limit = queryValue(ctx, 'limit', limitSchema(AUDIT_PAGE)) ?? AUDIT_PAGE;
    const records = await useCases.audit.list({ after, limit });
    // The last seq read, or the cursor given: asking again with it never misses a record.
    ctx.body = { items: records.map(auditRecordView), next: records.at(-1)?.seq ?? (after > 0 ? after : null) };
  });
}
