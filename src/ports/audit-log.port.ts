import type { AuditRecord, NewAuditRecord } from '../domain/audit/audit-record.js';

/** Which records `list` returns: those after the cursor `after` (a seq), ascending by seq. */
export interface AuditQuery {
  readonly after?: number;
  /** At most this many. */
  readonly limit: number;
}

/**
 * The operators' changes, numbered in append order. Every write resolves once it is durable.
 * Append-only but for pruning by age: no record is ever changed.
 */
export interface AuditLog {
  /**
   * Appends the records in order in one durable write and resolves to them with their seq: each
   * greater than every seq ever given before, also after a restart and after pruning. A seq of
   * an append that failed is never given to another record (seqs may have gaps).
   */
  append(records: readonly NewAuditRecord[]): Promise<AuditRecord[]>;
  /** Records ascending by seq (see AuditQuery). */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** The greatest seq ever given (0 when none). */
  lastSeq(): Promise<number>;
  /** Removes the records older than `before` (epoch ms); resolves to how many went. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

export const AUDIT_LOG = Symbol.for('fuota.AuditLog');
