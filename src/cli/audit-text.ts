import type { AuditRecordJson } from './audit-api.js';
import { table } from './output.js';

/** A detail's value as one word: lists comma-joined; quoted (as JSON) when empty or holding spaces, quotes or `=`. */
function word(value: AuditRecordJson['detail'][string]): string {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return text === '' || /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** A record's detail as `name=value` words: `appVersion=v1.9.0 file=lamp/v2.0.0.bin`. */
export function detailText(detail: AuditRecordJson['detail']): string {
  return Object.entries(detail)
    .map(([name, value]) => `${name}=${word(value)}`)
    .join(' ');
}

/** Records as a table, oldest first: seq, time (UTC, to the second), actor, address, action, target, detail. */
export function auditTable(records: readonly AuditRecordJson[]): string {
  return table(
    ['SEQ', 'TIME', 'ACTOR', 'ADDRESS', 'ACTION', 'TARGET', 'DETAIL'],
    records.map((record) => [
      String(record.seq),
      record.at.replace(/\.\d+Z$/, 'Z'),
      record.actor,
      // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; people read a.b.c.d.
      record.address === null ? '-' : record.address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
      record.action,
      record.target,
      detailText(record.detail),
    ]),
  );
}
