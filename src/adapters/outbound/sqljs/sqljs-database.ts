import { readFile } from 'node:fs/promises';
import type { Database, SqlValue } from 'sql.js';
import { writeFileDurably } from '../filesystem/durable-file.js';
import { CoalescingFlusher } from './coalescing-flusher.js';
import { loadSqlJs } from './sqljs-module.js';

/**
 * One SQLite database held in memory by sql.js and written whole to `file` after changes.
 * Changes are made synchronously (so they are serialized), then `commit()` resolves once a flush
 * that includes them is durable; concurrent writers share flushes. Statements must live only
 * within one synchronous call: `Database.export()` frees every open statement.
 */
export class SqlJsDatabase {
  private readonly flusher: CoalescingFlusher;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
  ) {
    this.flusher = new CoalescingFlusher(() => this.persist());
  }

  /** Opens `file` (a seed devices.db works), creating it when missing, and runs `schema`. */
  static async open(file: string, schema: readonly string[]): Promise<SqlJsDatabase> {
    const SQL = await loadSqlJs();
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const db = new SQL.Database(bytes);
    try {
      for (const statement of schema) db.run(statement);
    } catch (error) {
      db.close();
      throw new Error(`${file} is not a usable SQLite database: ${(error as Error).message}`);
    }
    const database = new SqlJsDatabase(db, file);
    await database.commit();
    return database;
  }

  /** Opens `file` only to read it (the seed import); nothing is ever written back. */
  static async openReadOnly(file: string): Promise<SqlJsDatabase> {
    const SQL = await loadSqlJs();
    return new SqlJsDatabase(new SQL.Database(await readFile(file)), undefined);
  }

  /** Runs `read` on the database; it must not keep statements beyond its return. */
  read<T>(read: (db: Database) => T): T {
    if (this.closed) throw new Error('the database is closed');
    return read(this.db);
  }

  /** The rows `sql` selects with `params`, each mapped by `map`. */
  all<T>(sql: string, params: SqlValue[], map: (row: SqlValue[]) => T): T[] {
    return this.read((db) => {
      const statement = db.prepare(sql);
      try {
        statement.bind(params);
        const rows: T[] = [];
        while (statement.step()) rows.push(map(statement.get()));
        return rows;
      } finally {
        statement.free();
      }
    });
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

  /** Applies `change` in a transaction, then resolves once it is durable. */
  async write<T>(change: (db: Database) => T): Promise<T> {
    if (this.closed) throw new Error('the database is closed');
    if (this.file === undefined) throw new Error('the database is open read-only');
    this.db.run('BEGIN');
    let result: T;
    try {
      result = change(this.db);
      this.db.run('COMMIT');
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
    await this.commit();
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flusher.settle();
    this.db.close();
  }

  private commit(): Promise<void> {
    return this.flusher.request();
  }

  private async persist(): Promise<void> {
    if (this.file === undefined) return;
    const bytes = this.db.export(); // synchronous: the snapshot this flush makes durable
    await writeFileDurably(this.file, bytes);
  }
}
