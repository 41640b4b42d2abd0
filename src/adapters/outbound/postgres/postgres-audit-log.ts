import type { AuditAction, AuditDetail, AuditRecord, NewAuditRecord } from '../../../domain/audit/audit-record.js';
import type { AuditLog, AuditQuery } from '../../../ports/audit-log.port.js';
import { PostgresDatabase, type PostgresOptions } from './postgres-database.js';

/** A bigint column: node-postgres hands it over as text. */
type BigintText = string;

interface Row {
  readonly seq: BigintText;
  readonly at: BigintText;
  readonly actor: string;
  readonly address: string | null;
  readonly action: string;
  readonly target: string;
  /** The jsonb, parsed by node-postgres. */
  readonly detail: AuditDetail;
  readonly request_id: string | null;
}

/**
 * The key of the transaction-level advisory lock every append holds until it commits: the bytes
 * of "fuota", then 0x000002 (migrations use 0x000001). Appends from every process run one at a
 * time, so each draws consecutive seqs and commits before the next draws: a reader paging with
 * a cursor never sees a seq while an earlier one is still to come.
 */
export const AUDIT_APPEND_LOCK_KEY = 0x6675_6f74_6100_0002n;

const COLUMNS = 'seq, at, actor, address, action, target, detail, request_id';
const LOCK = 'SELECT pg_advisory_xact_lock($1::bigint)';
const LOCK_SHARED = 'SELECT pg_advisory_xact_lock_shared($1::bigint)';
/** Draws `$1` seqs at once (under LOCK nobody else draws): resolves to the last of them. */
const DRAW_SEQS = "SELECT setval('audit_seq', nextval('audit_seq') + $1 - 1)::text AS last";
/** The greatest seq ever drawn (none yet: `is_called` is false). */
const SELECT_SEQ = 'SELECT last_value::text AS last_value, is_called FROM audit_seq';
// Many records in one statement: one array per column.
const INSERT_ROWS =
  `INSERT INTO audit_record (${COLUMNS}) SELECT * FROM unnest(` +
  '$1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[])';
const SELECT_AFTER = `SELECT ${COLUMNS} FROM audit_record WHERE seq > $1 ORDER BY seq LIMIT $2`;
/** The next PRUNE_CHUNK records older than `$1`, oldest seq first. */
const DELETE_OLD =
  'DELETE FROM audit_record WHERE seq IN (SELECT seq FROM audit_record WHERE at < $1 ORDER BY seq LIMIT $2)';
const ROWS_PER_STATEMENT = 5000;
/** Records removed per statement of `prune` (each its own transaction). */
const PRUNE_CHUNK = 5000;

/** The operators' changes in PostgreSQL's `audit_record` table and `audit_seq` sequence (migration 6). */
export class PostgresAuditLog implements AuditLog {
  /** `ownsDatabase`: closing the log closes the database (when nothing else shares it). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly ownsDatabase = false,
  ) {}

  /** Connects to `url`, migrates the schema, and closes the pool when the log is closed. */
  static async open(url: string, options?: PostgresOptions): Promise<PostgresAuditLog> {
    return new PostgresAuditLog(await PostgresDatabase.open(url, options), true);
  }

  /** One transaction: every record or none. Seqs drawn by one that rolls back are never given again. */
  async append(records: readonly NewAuditRecord[]): Promise<AuditRecord[]> {
    if (records.length === 0) return [];
    // The details are taken now: a caller changing its objects afterwards changes nothing.
    const details = records.map((record) => JSON.stringify(record.detail));
    return this.database.transaction(async (transaction) => {
      await transaction.query(LOCK, [AUDIT_APPEND_LOCK_KEY.toString()]);
      const { rows } = await transaction.query<{ last: BigintText }>(DRAW_SEQS, [records.length]);
      const first = Number(rows[0]!.last) - records.length + 1;
      const numbered = records.map((record, i): AuditRecord => ({
        ...record,
        detail: JSON.parse(details[i]!) as AuditDetail,
        seq: first + i,
      }));
      for (let start = 0; start < numbered.length; start += ROWS_PER_STATEMENT) {
        const chunk = numbered.slice(start, start + ROWS_PER_STATEMENT);
        await transaction.query(INSERT_ROWS, [
          chunk.map((record) => record.seq),
          chunk.map((record) => record.at),
          chunk.map((record) => record.actor),
          chunk.map((record) => record.address),
          chunk.map((record) => record.action),
          chunk.map((record) => record.target),
          details.slice(start, start + ROWS_PER_STATEMENT),
          chunk.map((record) => record.requestId),
        ]);
      }
      return numbered;
    });
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    if (query.limit <= 0) return [];
    const { rows } = await this.database.query<Row>(SELECT_AFTER, [query.after ?? 0, query.limit]);
    return rows.map(toRecord);
  }

  /** Waits for the appends under way (in any process) to end, so that every seq it answers is committed. */
  async lastSeq(): Promise<number> {
    return this.database.transaction(async (transaction) => {
      await transaction.query(LOCK_SHARED, [AUDIT_APPEND_LOCK_KEY.toString()]);
      const { rows } = await transaction.query<{ last_value: BigintText; is_called: boolean }>(SELECT_SEQ);
      const row = rows[0]!;
      return row.is_called ? Number(row.last_value) : Number(row.last_value) - 1;
    });
  }

  async prune(before: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.database.query(DELETE_OLD, [before, PRUNE_CHUNK]);
      removed += rowCount;
      if (rowCount === 0) return removed;
    }
  }

  async close(): Promise<void> {
    if (this.ownsDatabase) await this.database.close();
  }
}

/** Stored rows are trusted as they are, as the sql.js adapter trusts its own. */
function toRecord(row: Row): AuditRecord {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    actor: row.actor,
    address: row.address,
    action: row.action as AuditAction,
    target: row.target,
    detail: row.detail,
    requestId: row.request_id,
  };
}
