import type { AuditRecord, AuditValue } from '../api/audit-api.js';
import { deviceHref, fileHref } from '../api/file-api.js';
import { rolloutHref } from '../api/rollout-api.js';
import { waveText } from './fleet-format.js';

function valueText(value: AuditValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  return String(value);
}

/** A record's detail as `fact: value` lines, all of it text. */
export function AuditDetail({ detail }: { readonly detail: AuditRecord['detail'] }) {
  const facts = Object.entries(detail);
  if (facts.length === 0) return <span class="hint">—</span>;
  return (
    <ul class="detail-list">
      {facts.map(([fact, value]) => (
        <li key={fact}>
          <span class="hint">{fact}:</span>{' '}
          <span class="mono">{fact === 'wave' ? waveText(value) : valueText(value)}</span>
        </li>
      ))}
    </ul>
  );
}

/** What a record changed, as a link to its page where the dashboard has one. */
export function AuditTarget({ record }: { readonly record: AuditRecord }) {
  const { action, target } = record;
  const href = action.startsWith('file.')
    ? fileHref(target)
    : action.startsWith('rollout.')
      ? rolloutHref(target)
      : action.startsWith('device')
        ? deviceHref(target)
        : undefined;
  if (href === undefined) return <span class="mono">{target}</span>;
  return (
    <a href={href} class="mono">
      {target}
    </a>
  );
}

/** Whether a record mentions `text` anywhere (actor, address, action, target, detail), ignoring case. */
export function auditMatches(record: AuditRecord, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (needle === '') return true;
  const haystack = [
    record.actor,
    record.address ?? '',
    record.action,
    record.target,
    record.requestId ?? '',
    ...Object.entries(record.detail).map(([fact, value]) => `${fact} ${valueText(value)}`),
  ]
    .join('\n')
    .toLowerCase();
  return haystack.includes(needle);
}
