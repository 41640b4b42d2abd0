import type Router from '@koa/router';
import { AUDIT_PAGE, auditCursorSchema, auditRecordView } from '../audit-schemas.js';
import { DomainError } from '../../../../domain/domain-error.js';
import { queryValue, refuseUnknownQuery } from '../edge-validation.js';
import { limitSchema, tailWindow } from '../fleet-schemas.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';

/** The audit log for operators: every operator change, ascending, paged by seq. */
export function auditRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/api/v1/audit', operatorOnly(), async (ctx) => {
    refuseUnknownQuery(ctx, ['after', 'latest', 'limit']);
    const given = queryValue(ctx, 'after', auditCursorSchema);
    const latest = queryValue(ctx, 'latest', limitSchema(AUDIT_PAGE, 'latest'));
    if (latest !== undefined && given !== undefined) {
      throw new DomainError('invalid-query', 'give either after (a cursor) or latest (the log\u2019s end), not both');
    }
    const asked = queryValue(ctx, 'limit', limitSchema(AUDIT_PAGE));
    // `latest`: the records among the log's last N seqs (an append that failed leaves a gap).
    const { after, limit } =
      latest === undefined
        ? { after: given ?? 0, limit: asked ?? AUDIT_PAGE }
        : tailWindow(await useCases.audit.lastSeq(), latest, asked);
    const records = await useCases.audit.list({ after, limit });
    // The last seq read, or the cursor given: asking again with it never misses a record.
    ctx.body = { items: records.map(auditRecordView), next: records.at(-1)?.seq ?? (after > 0 ? after : null) };
  });
}
