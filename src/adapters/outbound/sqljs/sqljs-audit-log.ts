import type { SqlValue } from 'sql.js';
import type { AuditAction, AuditDetail, AuditRecord, NewAuditRecord } from '../../../domain/audit/audit-record.js';
import type { AuditLog, AuditQuery } from '../../../ports/audit-log.port.js';
import type { JournalStatement } from './sqljs-database.js';
import { SqlJsDatabase } from './sqljs-database.js';

// `at` is epoch ms, `detail` a JSON object; `address` and `request_id` are null for a local
// command. `audit_seq` holds one row: the greatest seq ever given, so that pruning every record
// never lets a seq (a client's cursor) be given twice.
export const AUDIT_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS audit_record (' +
    'seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, address TEXT, action TEXT NOT NULL, ' +
    'target TEXT NOT NULL, detail TEXT NOT NULL, request_id TEXT)',
  'CREATE INDEX IF NOT EXISTS audit_record_by_time ON audit_record (at)',
  'CREATE TABLE IF NOT EXISTS audit_seq (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL)',
];
const COLUMNS = 'seq, at, actor, address, action, target, detail, request_id';
/**
 * A batch in one statement with one JSON parameter, the seqs in it as given: a replay from the
 * journal gives the same ones (see SqlJsFleetEventLog).
 */
const APPEND_BATCH =
  `INSERT OR REPLACE INTO audit_record (${COLUMNS}) ` +
  'SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7 FROM json_each(?)';
const RAISE_SEQ =
  'INSERT INTO audit_seq (id, seq) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)';
const SELECT_SEQ =
  'SELECT max(coalesce((SELECT seq FROM audit_seq WHERE id = 0), 0), coalesce((SELECT max(seq) FROM audit_record), 0))';
const SELECT_AFTER = `SELECT ${COLUMNS} FROM audit_record WHERE seq > ? ORDER BY seq LIMIT ?`;
/** The last seq of the next PRUNE_CHUNK records older than `?1`. */
const SELECT_PRUNE_END = 'SELECT max(seq) FROM (SELECT seq FROM audit_record WHERE at < ?1 ORDER BY seq LIMIT ?2)';
/** Those records: the same statement removes the same ones when the journal replays it. */
const DELETE_OLD = 'DELETE FROM audit_record WHERE seq <= ? AND at < ?';
const ROWS_PER_STATEMENT = 5000;
/** Records removed per write of `prune`; the event loop runs between. */
const PRUNE_CHUNK = 5000;

/** The operators' changes in an `audit_record` table of the sql.js database. */
export class SqlJsAuditLog implements AuditLog {
  /** The greatest seq given or reserved by an append under way; read from the database at first use. */
  private reserved: number | undefined;

  /** `ownsDatabase`: closing the log closes the database. */
  constructor(
    private readonly database: SqlJsDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Opens `file` with these tables only (creating them when missing). */
  static async open(file: string): Promise<SqlJsAuditLog> {
    return new SqlJsAuditLog(await SqlJsDatabase.open(file, AUDIT_SCHEMA), true);
  }

  async append(records: readonly NewAuditRecord[]): Promise<AuditRecord[]> {
    if (records.length === 0) return [];
    // Reserved before the first await: concurrent appends never share a seq, and the seqs of an
    // append that fails are never given (the next append starts past them).
    let seq = this.reserved ?? this.durableSeq();
    const numbered: AuditRecord[] = records.map((record) => copy({ ...record, seq: (seq += 1) }));
    this.reserved = seq;
    const statements: JournalStatement[] = [];
    for (let start = 0; start < numbered.length; start += ROWS_PER_STATEMENT) {
      const rows = numbered
        .slice(start, start + ROWS_PER_STATEMENT)
        .map((record) => [
          record.seq,
          record.at,
          record.actor,
          record.address,
          record.action,
          record.target,
          record.detail,
          record.requestId,
        ]);
      statements.push([APPEND_BATCH, [JSON.stringify(rows)]]);
    }
    statements.push([RAISE_SEQ, [seq]]);
    await this.database.write(statements);
    return numbered.map(copy);
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    if (query.limit <= 0) return [];
    return this.database.all(SELECT_AFTER, [query.after ?? 0, query.limit], toRecord);
  }

  async lastSeq(): Promise<number> {
    return this.durableSeq();
  }

  async prune(before: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const [end] = this.database.all(SELECT_PRUNE_END, [before, PRUNE_CHUNK], (row) =>
        row[0] === null ? undefined : Number(row[0]),
      );
      if (end === undefined) return removed;
      removed += await this.database.write([[DELETE_OLD, [end, before]]]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }

  /** The greatest seq durably given (the high-water row, or the newest record if greater). */
  private durableSeq(): number {
    return this.database.all(SELECT_SEQ, [], (row) => Number(row[0]))[0] ?? 0;
  }
}

function copy(record: AuditRecord): AuditRecord {
  return { ...record, detail: JSON.parse(JSON.stringify(record.detail)) as AuditDetail };
}

function toRecord(row: SqlValue[]): AuditRecord {
  return {
    seq: Number(row[0]),
    at: Number(row[1]),
    actor: String(row[2]),
    address: row[3] === null ? null : String(row[3]),
    action: String(row[4]) as AuditAction,
    target: String(row[5]),
    detail: JSON.parse(String(row[6])) as AuditDetail,
    requestId: row[7] === null ? null : String(row[7]),
  };
}
