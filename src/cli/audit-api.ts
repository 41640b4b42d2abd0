import type { z } from 'zod';
import type { auditPageSchema, auditRecordSchema } from '../adapters/inbound/http/audit-schemas.js';
import type { ApiClient } from './api-client.js';

/** The audit log's answers, as the server's schemas describe them. */
export type AuditRecordJson = z.output<typeof auditRecordSchema>;
export type AuditPageJson = z.output<typeof auditPageSchema>;

/** The largest page the server sends. */
const MAX_PAGE = 1000;

/**
 * The records after `after`, following `next` from page to page: every one, or the first
 * `limit`. The answer is one page as the server shapes it: `next` is the seq to continue after.
 */
export async function listAudit(client: ApiClient, after: number, limit?: number): Promise<AuditPageJson> {
  const items: AuditRecordJson[] = [];
  let cursor = after;
  let next: number | null = after > 0 ? after : null;
  for (;;) {
    const wanted = limit === undefined ? MAX_PAGE : Math.min(MAX_PAGE, limit - items.length);
    const params = new URLSearchParams({ after: String(cursor), limit: String(wanted) });
    const res = await client.expect([200], 'GET', `/api/v1/audit?${params.toString()}`);
    const page = JSON.parse(res.body.toString('utf8')) as AuditPageJson;
    items.push(...page.items);
    next = page.next;
    cursor = page.next ?? cursor;
    if (page.items.length < wanted || (limit !== undefined && items.length >= limit)) return { items, next };
  }
}
