import type { AuditRecord, NewAuditRecord } from '../../../domain/audit/audit-record.js';
import type { AuditLog, AuditQuery } from '../../../ports/audit-log.port.js';

/** The operators' changes in an array, for tests and throw-away servers: nothing survives the process. */
export class InMemoryAuditLog implements AuditLog {
  /** Ascending by seq. */
  private records: AuditRecord[] = [];
  private given = 0;

  async append(records: readonly NewAuditRecord[]): Promise<AuditRecord[]> {
    const numbered = records.map((record): AuditRecord => copyRecord({ ...record, seq: (this.given += 1) }));
    this.records.push(...numbered);
    return numbered.map(copyRecord);
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const after = query.after ?? 0;
    // Binary search for the first record past the cursor: seqs ascend.
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.records[middle]?.seq ?? 0) <= after) low = middle + 1;
      else high = middle;
    }
    return this.records.slice(low, low + Math.max(0, query.limit)).map(copyRecord);
  }

  async lastSeq(): Promise<number> {
    return this.given;
  }

  async prune(before: number): Promise<number> {
    const count = this.records.length;
    this.records = this.records.filter((record) => record.at >= before);
    return count - this.records.length;
  }

  async close(): Promise<void> {}
}

function copyRecord(record: AuditRecord): AuditRecord {
  const detail: Record<string, AuditRecord['detail'][string]> = {};
  for (const [key, value] of Object.entries(record.detail)) detail[key] = Array.isArray(value) ? [...value] : value;
  return { ...record, detail };
}
