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

/**
 * One request to `GET /api/v1/audit`: the `limit` records after the seq `after` (0: the start of
 * the log), or with `latest`, the records among the log's last `latest` seqs. Ascending either way.
 */
export function listAudit(
  query: { readonly after: number; readonly limit: number } | { readonly latest: number },
  signal?: AbortSignal,
): Promise<AuditPage> {
  const params =
    'latest' in query
      ? { latest: query.latest }
      : { after: query.after > 0 ? query.after : undefined, limit: query.limit };
  return api<AuditPage>(`/api/v1/audit${queryOf(params)}`, { signal });
}

/** A page as the audit page shows it: where it starts, its records, and whether the log ends there. */
export interface AuditView {
  /** The seq the page was read after (0: the start of the log); null for the log's newest records. */
  readonly after: number | null;
  /** Ascending by seq. */
  readonly items: readonly AuditRecord[];
  /** No record follows, for now. */
  readonly end: boolean;
}

/**
 * The `limit` records after `after`, only those before seq `before` when given (paging back from
 * a page near the log's start must not show that page's records again).
 */
export async function auditPageAfter(
  after: number,
  limit: number,
  signal?: AbortSignal,
  before?: number,
): Promise<AuditView> {
  const page = await listAudit({ after, limit }, signal);
  if (before === undefined) return { after, items: page.items, end: page.items.length < limit };
  return { after, items: page.items.filter((record) => record.seq < before), end: false };
}

/**
 * The records among the log's last `limit` seqs, in one request (fewer than `limit` where an
 * append failed and left a gap, or the log is shorter).
 */
export async function latestAudit(limit: number, signal?: AbortSignal): Promise<AuditView> {
  const page = await listAudit({ latest: limit }, signal);
  return { after: null, items: page.items, end: true };
}

/**
 * Where the page before `view` starts: the `limit` seqs before its first record (before the seq
 * it was read after, when it has none); undefined when nothing can come before it.
 */
export function olderAfter(view: AuditView, limit: number): number | undefined {
  const first = view.items[0]?.seq ?? (view.after === null ? undefined : view.after + 1);
  if (first === undefined || first <= 1) return undefined;
  return Math.max(0, first - 1 - limit);
}

/** Where the page after `view` starts: its last record's seq (undefined when the log ends there). */
export function newerAfter(view: AuditView): number | undefined {
  if (view.end) return undefined;
  return view.items.at(-1)?.seq ?? view.after ?? undefined;
}
