/** How long the audit log keeps its records, and how often it looks for old ones. */
export interface AuditSettings {
  /** Records older than this are pruned (FUOTA_AUDIT_DAYS). */
  readonly retentionMs: number;
  /** How often old records are pruned (and records that could not be written are tried again). */
  readonly pruneIntervalMs: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = {
  retentionMs: 365 * 24 * 3600_000,
  pruneIntervalMs: 3600_000,
};
