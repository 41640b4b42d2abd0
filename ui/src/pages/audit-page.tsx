import { useState } from 'preact/hooks';
import type { AuditView } from '../api/audit-api.js';
import { auditPageAfter, latestAudit, newerAfter, olderAfter } from '../api/audit-api.js';
import { useResource } from '../api/use-resource.js';
import { AuditDetail, auditMatches, AuditTarget } from '../components/audit-detail.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import '../rollout.css';

type Position =
  | { readonly kind: 'latest' }
  | { readonly kind: 'after'; readonly after: number; readonly before?: number | undefined };

const SIZES = [50, 100, 500, 1000] as const;

/**
 * The audit log: who changed what, when, from where. The API reads it ascending by seq, after a
 * seq (`after`, `limit`) or at its end (`latest`), and filters nothing. The page opens on the
 * newest records (one request), pages back and forth by seq, jumps to a seq, and filters the
 * records shown by text.
 */
export function AuditPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('Audit log');
  const [position, setPosition] = useState<Position>({ kind: 'latest' });
  const [limit, setLimit] = useState<number>(100);
  const [filter, setFilter] = useState('');
  const [jump, setJump] = useState('');
  const [jumpError, setJumpError] = useState<string | undefined>(undefined);
  const key = position.kind === 'latest' ? `latest|${limit}` : `${position.after}|${position.before ?? ''}|${limit}`;
  const page = useResource<AuditView>(
    (signal) =>
      position.kind === 'latest'
        ? latestAudit(limit, signal)
        : auditPageAfter(position.after, limit, signal, position.before),
    key,
  );
  const view = page.data;
  const shown = view === undefined ? [] : view.items.filter((record) => auditMatches(record, filter));
  const older = view === undefined ? undefined : olderAfter(view, limit);
  const newer = view === undefined ? undefined : newerAfter(view);

  const goJump = (event: Event) => {
    event.preventDefault();
    const seq = Number(jump.trim());
    if (jump.trim() === '' || !Number.isInteger(seq) || seq < 1) {
      setJumpError('A seq is a whole number, 1 or more.');
      return;
    }
    setJumpError(undefined);
    setPosition({ kind: 'after', after: seq - 1 });
  };

  return (
    <section>
      <h1>Audit log</h1>
      <p>Every change an operator made: who, when, from which address, what and on what. Oldest first on each page.</p>
      <div class="panel">
        <form class="form-grid" onSubmit={goJump}>
          <div class="field">
            <label for="audit-filter">Filter the records shown</label>
            <input
              id="audit-filter"
              type="search"
              value={filter}
              aria-describedby="audit-filter-hint"
              onInput={(event) => setFilter(event.currentTarget.value)}
            />
            <span class="hint" id="audit-filter-hint">
              Actor, address, action, target or detail; this page only.
            </span>
          </div>
          <div class="field">
            <label for="audit-limit">Records per page</label>
            <select
              id="audit-limit"
              value={String(limit)}
              onChange={(event) => setLimit(Number(event.currentTarget.value))}
            >
              {SIZES.map((size) => (
                <option key={size} value={String(size)}>
                  {size}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-jump">From seq</label>
            <input
              id="audit-jump"
              type="text"
              inputMode="numeric"
              value={jump}
              aria-invalid={jumpError === undefined ? undefined : 'true'}
              aria-describedby={jumpError === undefined ? undefined : 'audit-jump-error'}
              onInput={(event) => setJump(event.currentTarget.value)}
            />
            {jumpError !== undefined && (
              <span class="field-error" id="audit-jump-error">
                {jumpError}
              </span>
            )}
          </div>
          <div class="field">
            <button type="submit" class="secondary">
              Go to seq
            </button>
          </div>
        </form>
      </div>
      <nav class="pager" aria-label="Pages of the audit log">
        <button
          type="button"
          class="secondary"
          disabled={older === undefined || page.loading}
          onClick={() =>
            older !== undefined && setPosition({ kind: 'after', after: older, before: view?.items[0]?.seq })
          }
        >
          Older
        </button>
        <button
          type="button"
          class="secondary"
          disabled={newer === undefined || page.loading}
          onClick={() => newer !== undefined && setPosition({ kind: 'after', after: newer })}
        >
          Newer
        </button>
        <button
          type="button"
          class="secondary"
          disabled={page.loading}
          onClick={() => (position.kind === 'latest' ? page.reload() : setPosition({ kind: 'latest' }))}
        >
          Newest
        </button>
        <span aria-live="polite">
          {view === undefined
            ? ''
            : view.items.length === 0
              ? 'No records here.'
              : `Records ${view.items[0]?.seq ?? ''}–${view.items[view.items.length - 1]?.seq ?? ''}${view.end ? ', the newest' : ''}${filter.trim() === '' ? '' : `; ${shown.length} match the filter`}.`}
        </span>
      </nav>
      <ErrorNotice message={page.error} />
      <h2 id="audit-heading">Records</h2>
      {view === undefined ? (
        page.loading && <p class="notice">Loading…</p>
      ) : view.items.length === 0 ? (
        <p class="notice">
          {view.after === null || view.after === 0
            ? 'No operator change has been recorded yet.'
            : `No record after seq ${view.after} yet.`}
        </p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="audit-heading">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col" class="number">
                  Seq
                </th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Address</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((record) => (
                <tr key={record.seq}>
                  <td class="number">{record.seq}</td>
                  <td>
                    <RelativeTime iso={record.at} />
                  </td>
                  <td>{record.actor}</td>
                  <td class="mono nowrap">{record.address ?? 'local'}</td>
                  <td class="nowrap">
                    <code class="nowrap">{record.action}</code>
                  </td>
                  <td>
                    <AuditTarget record={record} />
                  </td>
                  <td>
                    <AuditDetail detail={record.detail} />
                  </td>
                  <td class="mono nowrap">{record.requestId ?? '—'}</td>
                </tr>
              ))}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={8}>No record on this page matches the filter.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
