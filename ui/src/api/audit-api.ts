import { api, queryOf } from './client.js';

/** One fact of a record's detail: JSON-safe, flat. */
export type AuditValue = string | number | boolean | null | readonly string[];

/** One operator change (audit-schemas.ts). */
export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly address: string | null;
  readonly action: string;
  readonly target: string;
  readonly detail: { readonly [fact: string]: AuditValue };
  readonly requestId: string | null;
}

/** Records ascending by seq; `next` is the cursor for the records after this page. */
export interface AuditPage {
  readonly items: readonly AuditRecord[];
  readonly next: number | null;
}

/** The largest page the server gives. */
export const AUDIT_MAX_PAGE = 1000;

export function listAudit(after: number, limit: number, signal?: AbortSignal): Promise<AuditPage> {
  return api<AuditPage>(`/api/v1/audit${queryOf({ after: after > 0 ? after : undefined, limit })}`, { signal });
}

/** A page as the audit page shows it: where it starts, its records, and whether the log ends there. */
export interface AuditView {
  /** The cursor the page was read after (0: the start of the log). */
  readonly after: number;
  readonly items: readonly AuditRecord[];
  /** The cursor for the records after this page. */
  readonly next: number;
  /** No record follows, for now. */
  readonly end: boolean;
}

/** The `limit` records after `after`. */
export async function auditPageAfter(after: number, limit: number, signal?: AbortSignal): Promise<AuditView> {
  const page = await listAudit(after, limit, signal);
  return { after, items: page.items, next: page.next ?? after, end: page.items.length < limit };
}

/**
 * The newest `limit` records. The API reads the log only oldest first, so this walks it in the
 * largest pages from the start and keeps the tail (a few requests for a year of changes).
 */
export async function latestAudit(limit: number, signal?: AbortSignal): Promise<AuditView> {
  let after = 0;
  let tail: AuditRecord[] = [];
  for (;;) {
    const page = await listAudit(after, AUDIT_MAX_PAGE, signal);
    tail = [...tail, ...page.items].slice(-limit);
    after = page.next ?? after;
    if (page.items.length < AUDIT_MAX_PAGE) break;
  }
  const first = tail[0];
  return { after: first === undefined ? after : first.seq - 1, items: tail, next: after, end: true };
}
