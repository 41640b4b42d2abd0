import { clippedText } from '../unicode-text.js';

/**
 * What operators change, each kind by a stable dotted name `<what>.<verb>` (public API: clients
 * and scripts select on them). A new kind of operator change (the rollouts, say) adds its names
 * here and records through the audit trail; nothing else needs to know.
 */
export const AUDIT_ACTIONS = [
  /** `PUT /devices/<id>`: a device row added or replaced. */
  'device-row.put',
  /** `DELETE /devices/<id>`: a device row deleted. */
  'device-row.delete',
  /** `PUT /files/<path>`: an update file stored or replaced. */
  'file.put',
  /** `DELETE /files/<path>`: an update file deleted. */
  'file.delete',
  /** `POST /api/v1/devices/<id>/credentials`: a device given its own credential (or a new one). */
  'device-credential.provision',
  /** `DELETE /api/v1/devices/<id>/credentials`: a device's own credential revoked. */
  'device-credential.revoke',
  /** `PATCH /api/v1/devices/<id>`: a device's tags, hold or note changed. */
  'device.patch',
  /** `POST /api/v1/devices/tags`: one device's tags changed by a bulk tagging (one record per device changed). */
  'device.tags',
  /** `DELETE /api/v1/devices/<id>`: a device's inventory entry, attempts and events forgotten. */
  'device.forget',
  /** `fuota-server import-seed`: a seed volume's rows and files copied in. */
  'seed.import',
  /** `fuota-server migrate-storage`: an embedded data dir's tables (and files) copied into shared storage. */
  'storage.migrate',
  /** `POST /api/v1/rollouts`: a rollout created (as a draft). */
  'rollout.create',
  /** `PATCH /api/v1/rollouts/<id>`: a draft or paused rollout's definition replaced. */
  'rollout.edit',
  /** `POST /api/v1/rollouts/<id>/start|pause|resume|advance|abort`: an operator's action on a rollout. */
  'rollout.start',
  'rollout.pause',
  'rollout.resume',
  'rollout.advance',
  'rollout.abort',
  /** `DELETE /api/v1/devices/<id>/penalty`: a device's penalty box and rolled-back versions cleared. */
  'device.penalty-clear',
  /** `POST /api/v1/signing-keys`: a key added to the trusted signing keys. */
  'signing-key.add',
  /** `POST /api/v1/signing-keys` of a key already added: given a new name, or its scheme learned from its PEM. */
  'signing-key.update',
  /** `DELETE /api/v1/signing-keys/<digest>`: a key removed from the trusted signing keys. */
  'signing-key.remove',
  /** `POST /api/v1/deltas`: a delta patch made (and stored) on an operator's request. */
  'delta.make',
  /** `DELETE /api/v1/deltas/<id>`: a stored delta patch removed. */
  'delta.delete',
  /** `POST /api/v1/session`: an operator signed in to the dashboard (who may change things from now on). */
  'session.sign-in',
  /** `DELETE /api/v1/session`: an operator signed out of the dashboard. */
  'session.sign-out',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** One fact of a record's detail: JSON-safe, flat (a list of strings at most). */
export type AuditValue = string | number | boolean | null | readonly string[];

/** What a change set, as facts (never a secret: see auditDetail). */
export type AuditDetail = Readonly<Record<string, AuditValue>>;

/** A record before the log numbered it. */
export interface NewAuditRecord {
  /** When the change was made: epoch milliseconds. */
  readonly at: number;
  /**
   * Who made it: the user name of the operator credential that authenticated the request (a
   * configured credential's user name never holds a colon), or `local:<command>` for a change
   * made on the server's machine by a command of its own, with no credential.
   */
  readonly actor: string;
  /** The client address the request came from (as the socket saw it); null for a local command. */
  readonly address: string | null;
  readonly action: AuditAction;
  /** What was changed: a device id, an update file path, a seed directory. */
  readonly target: string;
  readonly detail: AuditDetail;
  /** The request's id (its `X-Request-Id` and log line); null for a local command. */
  readonly requestId: string | null;
}

/** A record as the log keeps it: `seq` is unique and ascending in append order (a resumable cursor). */
export interface AuditRecord extends NewAuditRecord {
  readonly seq: number;
}

/** A record is small, whatever a caller hands in: these bound each part. */
export const AUDIT_LIMITS = {
  targetChars: 512,
  detailKeys: 32,
  keyChars: 64,
  stringChars: 2048,
  listItems: 256,
  listItemChars: 256,
} as const;

/**
 * Names that say their value is a secret. Such a value is never kept, whoever passed it: the
 * log's readers may see every change, not every credential.
 */
const SECRET_NAME = /pass|secret|authori[sz]ation|token|hash|cookie|private/i;

/** What is kept in place of a secret's value. */
export const REDACTED = '[redacted]';

/**
 * A detail as it may be kept: at most 32 facts; strings and lists clipped; a fact whose name
 * says it is a secret (password, secret, token, hash, authorization, ...) replaced by
 * `[redacted]`; values that are not JSON-safe facts (undefined, NaN, objects) left out.
 */
export function auditDetail(raw: Readonly<Record<string, unknown>>): AuditDetail {
  const detail: Record<string, AuditValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (Object.keys(detail).length >= AUDIT_LIMITS.detailKeys) break;
    const key = clippedText(name, AUDIT_LIMITS.keyChars);
    if (value === undefined) continue;
    if (SECRET_NAME.test(key)) {
      detail[key] = REDACTED;
      continue;
    }
    if (typeof value === 'string') detail[key] = clippedText(value, AUDIT_LIMITS.stringChars);
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) detail[key] = value;
    } else if (typeof value === 'boolean' || value === null) detail[key] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      detail[key] = (value as readonly string[])
        .slice(0, AUDIT_LIMITS.listItems)
        .map((item) => clippedText(item, AUDIT_LIMITS.listItemChars));
    }
  }
  return detail;
}

/** A target as it may be kept (clipped). */
export function auditTarget(raw: string): string {
  return clippedText(raw, AUDIT_LIMITS.targetChars);
}
