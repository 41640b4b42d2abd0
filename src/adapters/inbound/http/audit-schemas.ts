import { z } from 'zod';
import type { AuditRecord } from '../../../domain/audit/audit-record.js';
import { AUDIT_ACTIONS } from '../../../domain/audit/audit-record.js';

/*
 * The audit log's request and answer (`GET /api/v1/audit`): validated with these schemas, and
 * described by them in the OpenAPI document. Times are ISO 8601 UTC.
 */

/** The largest page. */
export const AUDIT_PAGE = 1000;

const AFTER_RULE = 'after must be an audit record\'s seq (a whole number, the "next" of an earlier answer)';

export const auditCursorSchema = z
  .string()
  .regex(/^\d{1,15}$/, AFTER_RULE)
  .transform(Number)
  .meta({ description: 'Records after this seq (the "next" of the previous page, or a record\'s seq).' });

export const auditRecordSchema = z
  .object({
    seq: z.int().meta({ description: 'Ascending in the order the changes were recorded; a resumable cursor.' }),
    at: z.string().meta({ description: 'When the change was made (ISO 8601 UTC).' }),
    actor: z.string().meta({
      description:
        'Who made it: the user name of the operator credential, or local:<command> for a command run on the server (import-seed).',
    }),
    address: z.string().nullable().meta({ description: 'The client address; null for a local command.' }),
    action: z.enum(AUDIT_ACTIONS).meta({ description: 'What kind of change (more names may come with new features).' }),
    target: z.string().meta({ description: 'What was changed: a device id, an update file path, ...' }),
    detail: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
      .meta({ description: 'What it was set to, as facts; never a secret.' }),
    requestId: z.string().nullable().meta({ description: "The request's X-Request-Id (as in its log line)." }),
  })
  .meta({ id: 'AuditRecord', description: 'One operator change: who, what, when, from where.' });

export const auditPageSchema = z.object({ items: z.array(auditRecordSchema), next: z.int().nullable() }).meta({
  id: 'AuditPage',
  description:
    'Records ascending by seq; pass next as after for more (it stays put at the end: null only while the log is empty and no after was given).',
});

/** A record as JSON. */
export function auditRecordView(record: AuditRecord) {
  return {
    seq: record.seq,
    at: new Date(record.at).toISOString(),
    actor: record.actor,
    address: record.address,
    action: record.action,
    target: record.target,
    detail: record.detail,
    requestId: record.requestId,
  };
}
