import { readFile } from 'node:fs/promises';
import type { Database, SqlValue, Statement } from 'sql.js';
import { dirname } from 'node:path';
import { probeDirectory } from '../filesystem/directory-probe.js';
import { writeFileDurably } from '../filesystem/durable-file.js';
import { CoalescingFlusher } from './coalescing-flusher.js';
import { loadSqlJs } from './sqljs-module.js';
import type { JournalStatement } from './write-ahead-journal.js';
import { encodeEntry, WriteAheadJournal } from './write-ahead-journal.js';

/** A journal this large is folded into the database file by a background checkpoint. */
const CHECKPOINT_BYTES = 4 * 1024 * 1024;

/**
 * One SQLite database held in memory by sql.js, made durable by a write-ahead journal.
 *
 * A write applies its statements in memory (synchronously, so writes are serialized), appends
 * them to the journal and resolves once they are fsynced; concurrent writers share one append
 * and one fsync. The cost of a write therefore does not grow with the database. When the journal
 * grows past a few MiB, the whole database is exported and written to `file` (temporary file,
 * fsync, rename) in the background, and the journal segments it covers are removed. On open, the
 * file is loaded and whatever the journal still holds is replayed. Statements must live only
 * within one synchronous call: `Database.export()` frees every open statement.
 */
export class SqlJsDatabase {
  private readonly flusher: CoalescingFlusher;
  private pending: string[] = [];
  private checkpoint: Promise<void> = Promise.resolve();
  /** Prepared statements by SQL text; all freed before every export, which would free them anyway. */
  private readonly statements = new Map<string, Statement>();
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
    private readonly journal: WriteAheadJournal | undefined,
    private readonly checkpointBytes: number,
  ) {
    this.flusher = new CoalescingFlusher(() => this.flush());
  }

  /** Opens `file` (a seed devices.db works), creating it when missing, and runs `schema`. */
  static async open(file: string, schema: readonly string[], options: { checkpointBytes?: number } = {}): Promise<SqlJsDatabase> {
    const SQL = await loadSqlJs();
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const db = new SQL.Database(bytes);
    const recovered = await WriteAheadJournal.recover(file);
    try {
      for (const statement of schema) db.run(statement);
      for (const entry of recovered.entries) applyEntry(db, entry);
    } catch (error) {
      db.close();
      throw new Error(`${file} is not a usable SQLite database: ${(error as Error).message}`);
    }
    // Start clean: the database file holds everything, and one empty journal segment is open.
    await writeFileDurably(file, db.export());
    const last = recovered.segments.at(-1) ?? 0;
    const journal = await WriteAheadJournal.start(file, last);
    await journal.discardThrough(last);
    return new SqlJsDatabase(db, file, journal, options.checkpointBytes ?? CHECKPOINT_BYTES);
  }

  /** Opens `file` only to read it (the seed import); nothing is ever written back. */
  static async openReadOnly(file: string): Promise<SqlJsDatabase> {
    const SQL = await loadSqlJs();
    return new SqlJsDatabase(new SQL.Database(await readFile(file)), undefined, undefined, 0);
  }

  /** Rejects unless the database answers a query and its directory takes a durable write. */
  async checkHealth(): Promise<void> {
    if (this.closed) throw new Error('the database is closed');
    this.db.exec('SELECT count(*) FROM sqlite_master');
    if (this.file !== undefined && this.journal !== undefined) await probeDirectory(dirname(this.file));
  }

  /** Runs `read` on the database; it must not keep statements beyond its return. */
  read<T>(read: (db: Database) => T): T {
    if (this.closed) throw new Error('the database is closed');
    return read(this.db);
  }

  /** The rows `sql` selects with `params`, each mapped by `map`. */
  all<T>(sql: string, params: SqlValue[], map: (row: SqlValue[]) => T): T[] {
    if (this.closed) throw new Error('the database is closed');
    const statement = this.prepared(sql);
    try {
      statement.bind(params);
      const rows: T[] = [];
      while (statement.step()) rows.push(map(statement.get()));
      return rows;
    } finally {
      statement.reset();
    }
  }

  /**
   * Every row of a keyset-paged query (`... WHERE key > ? ORDER BY key LIMIT ?`), fetched page
   * by page so that neither memory nor the time between awaits grows with the table.
   */
  async *pages<T>(sql: string, pageSize: number, map: (row: SqlValue[]) => T, keyOf: (item: T) => string): AsyncGenerator<T> {
    let after = '';
    for (;;) {
      const page = this.all(sql, [after, pageSize], map);
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return;
      after = keyOf(last);
    }
  }

  /**
   * Applies `statements` in one transaction, then resolves once they are durable. Each must be
   * idempotent (an upsert, a delete by key): a crash may replay it onto a file that has it.
   */
  async write(statements: readonly JournalStatement[]): Promise<void> {
    if (this.closed) throw new Error('the database is closed');
    if (this.journal === undefined) throw new Error('the database is open read-only');
    this.apply(statements);
    this.pending.push(encodeEntry(statements));
    await this.flusher.request();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flusher.settle();
    await this.checkpoint;
    if (this.journal !== undefined && this.file !== undefined) {
      // Leave the file complete, so that the next start has nothing to replay.
      await writeFileDurably(this.file, this.snapshot());
      await this.journal.close();
      await this.journal.discardThrough(Number.MAX_SAFE_INTEGER);
    }
    this.freeStatements();
    this.db.close();
  }

  /** A cached prepared statement (compiling SQL on every query costs more than running it). */
  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private apply(statements: readonly JournalStatement[]): void {
    this.db.run('BEGIN');
    try {
      for (const [sql, params] of statements) this.prepared(sql).run(params as SqlValue[]);
      this.db.run('COMMIT');
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
  }

  /** The whole database as a file image; export() frees every statement, so ours go first. */
  private snapshot(): Uint8Array {
    this.freeStatements();
    return this.db.export();
  }

  private freeStatements(): void {
    for (const statement of this.statements.values()) statement.free();
    this.statements.clear();
  }

  /** One group commit: every entry pending when it starts, one append, one fsync. */
  private async flush(): Promise<void> {
    const journal = this.journal;
    if (journal === undefined || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    await journal.append(text);
    if (journal.size >= this.checkpointBytes) await this.startCheckpoint(journal);
  }

  /**
   * Rotates the journal and exports the database in the same turn, so that the snapshot holds
   * exactly the closed segments' changes (and perhaps later ones, which replay harmlessly); then
   * writes the snapshot in the background and drops the closed segments once it is durable.
   */
  private async startCheckpoint(journal: WriteAheadJournal): Promise<void> {
    await this.checkpoint;
    const closed = await journal.rotate();
    const snapshot = this.snapshot();
    const file = this.file as string;
    this.checkpoint = (async () => {
      try {
        await writeFileDurably(file, snapshot);
        await journal.discardThrough(closed);
      } catch {
        // Nothing is lost: the closed segments stay on disk and are replayed at the next start;
        // the next checkpoint tries again.
      }
    })();
  }
}

function applyEntry(db: Database, statements: readonly JournalStatement[]): void {
  db.run('BEGIN');
  try {
    for (const [sql, params] of statements) db.run(sql, params as SqlValue[]);
    db.run('COMMIT');
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  }
}
