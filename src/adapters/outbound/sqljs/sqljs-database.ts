import { readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Database, SqlValue, Statement } from 'sql.js';
import { basename, dirname, join } from 'node:path';
import { probeDirectory } from '../filesystem/directory-probe.js';
import { writeFileDurably } from '../filesystem/durable-file.js';
import type { FileIo } from '../filesystem/file-io.js';
import { nodeFileIo } from '../filesystem/file-io.js';
import { storageFullOr } from '../filesystem/storage-full.js';
import { CoalescingFlusher } from './coalescing-flusher.js';
import type { JournalStatement } from './journal-record.js';
import { encodeEntry } from './journal-record.js';
import { JournalTaken } from './journal-taken.js';
import type { SkippedTail } from './journal-recovery.js';
import { keepDamagedSegments, recoverJournal } from './journal-recovery.js';
import { loadSqlJs } from './sqljs-module.js';
import { releaseBuffer } from './released-buffer.js';
import { WriteAheadJournal } from './write-ahead-journal.js';
import type { SegmentFingerprint } from './segment-fingerprint.js';

export type { JournalStatement } from './journal-record.js';
export type { SkippedTail } from './journal-recovery.js';

/**
 * One step of a schema, run at every open before the journal is replayed: SQL that is a no-op
 * when already done (`CREATE ... IF NOT EXISTS`), or a column added to a table that lacks it
 * (SQLite has no `ADD COLUMN IF NOT EXISTS`). A column added so must be nullable or have a
 * default: the rows already there get it, and so do the rows an older release's journal replays
 * (its statements name their columns).
 */
export type SchemaStep = string | AddedColumn;

export interface AddedColumn {
  readonly table: string;
  readonly column: string;
  /** The column's type and constraints, as `ALTER TABLE ... ADD COLUMN` takes them. */
  readonly definition: string;
}

/** The step that adds `column` to `table` when a database made by an older release lacks it. */
export function addedColumn(table: string, column: string, definition: string): AddedColumn {
  return { table, column, definition };
}

/** A journal this large is folded into the database file by a background checkpoint. */
const CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** ...or, for a database larger than that, once it holds as many bytes as the database, up to this many. */
const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

export interface SqlJsDatabaseOptions {
  /** Journal bytes after which a background checkpoint rewrites the database file. */
  readonly checkpointBytes?: number;
  /** How the journal and the database file are written (fault-injection tests wrap it). */
  readonly io?: FileIo;
  /** Told when a background checkpoint fails, and when one succeeds again after that. */
  readonly onCheckpoint?: (event: CheckpointEvent) => void;
  /** After a failed checkpoint, the first write this much later tries again (default 5 s). */
  readonly checkpointRetryMs?: number;
  /**
   * Told once when another process took the journal over (it took the data dir lock: see
   * JournalTaken). Every write fails from then on; the holder should stop at once.
   */
  readonly onJournalTaken?: (error: Error) => void;
}

/** What an operator is told of checkpoints: a failing one lets the journal grow until one succeeds. */
export type CheckpointEvent =
  { readonly kind: 'failed'; readonly error: unknown; readonly journalBytes: number } | { readonly kind: 'recovered' };

const CHECKPOINT_RETRY_MS = 5_000;

/**
 * The journal segments whose changes the database file holds, each with its fingerprint (see
 * SegmentFingerprint), written into the file with them: a crash after the file is written and
 * before those segments are removed must not replay them onto it (replay is not idempotent: a
 * poll count adds). A segment is skipped only while it still holds exactly what was folded, so
 * one written later under the same number (by a release before this table, run after this one)
 * is replayed. Segment numbers go on from the highest recorded across starts.
 */
const FOLDED_TABLE = 'fuota_journal_segments';
const FOLDED_SCHEMA = [
  // The first form of this record (a bare segment number, which a later segment could reuse).
  'DROP TABLE IF EXISTS fuota_journal_folded',
  `CREATE TABLE IF NOT EXISTS ${FOLDED_TABLE} (segment INTEGER PRIMARY KEY, bytes INTEGER NOT NULL, crc INTEGER NOT NULL)`,
];

function foldedSegments(db: Database): Map<number, SegmentFingerprint> {
  const [result] = db.exec(`SELECT segment, bytes, crc FROM ${FOLDED_TABLE}`);
  return new Map(
    (result?.values ?? []).map(([segment, bytes, crc]) => [
      Number(segment),
      { bytes: Number(bytes), crc: Number(crc) },
    ]),
  );
}

/** Never journaled: it describes the file the next export writes, not a change to replay. */
function recordFolded(db: Database, segments: ReadonlyMap<number, SegmentFingerprint>): void {
  db.run(`DELETE FROM ${FOLDED_TABLE}`);
  for (const [segment, { bytes, crc }] of segments) {
    db.run(`INSERT INTO ${FOLDED_TABLE} (segment, bytes, crc) VALUES (?, ?, ?)`, [segment, bytes, crc]);
  }
}

/**
 * A statement journaled as `journaled` and applied to memory by running `sql` once per row
 * (`rowCount` of them, `row(i)` the parameters of each): the same change, made without SQLite
 * parsing every row back out of the journaled JSON (that parse was most of a large batch's cost). Replay runs `journaled`, so the two must agree:
 * rows of finite numbers, strings and nulls only (JSON turns Infinity into null, and a row holding
 * undefined fails in memory after it was journaled).
 */
export interface RowWiseStatement {
  readonly journaled: JournalStatement;
  readonly sql: string;
  /** How many rows: `sql` runs once for each. */
  readonly rowCount: number;
  /** Row `i`'s parameters (0-based), read before the next row is asked for: one array may serve them all. */
  readonly row: (i: number) => readonly SqlValue[];
}

/** What a write is made of: plain statements, and row-wise ones (see RowWiseStatement). */
export type WriteStatement = JournalStatement | RowWiseStatement;

function journaledForm(statement: WriteStatement): JournalStatement {
  return 'journaled' in statement ? statement.journaled : statement;
}

/** One write waiting for its group commit, and what became of it. */
interface PendingWrite {
  readonly record: string;
  readonly statements: readonly WriteStatement[];
  readonly applied: (() => void) | undefined;
  changes: number;
  error?: unknown;
}

/**
 * One SQLite database held in memory by sql.js, made durable by a write-ahead journal.
 *
 * A write is tried in a savepoint and rolled back (so SQLite refuses a bad one before it is
 * journaled), appended to the journal, and applied to memory only once the append is fsynced:
 * readers never see a change that might still fail, and a failed append is answered with an
 * error and leaves nothing behind. Concurrent writers share one append and one fsync. The cost of
 * a write therefore does not grow with the database. When the journal grows past a few MiB, the
 * whole database is exported and written to `file` (temporary file, fsync, rename) in the
 * background, and the journal segments it covers are removed. On open, the file is loaded and
 * whatever the journal still holds is replayed. Statements must live only within one synchronous
 * call: `Database.export()` frees every open statement.
 */
export class SqlJsDatabase {
  private readonly flusher: CoalescingFlusher;
  private pending: PendingWrite[] = [];
  private checkpoint: Promise<void> = Promise.resolve();
  private checkpointing = false;
  /** The size of the database file the last checkpoint wrote (the next waits for as many journal bytes). */
  private lastSnapshotBytes = 0;
  /** Set while checkpoints fail: when the next write may try again. */
  private checkpointRetryAt: number | undefined;
  /** Prepared statements by SQL text; all freed before every export, which would free them anyway. */
  private readonly statements = new Map<string, Statement>();
  /** Segments of before this run still on disk (a fold or its removal failed at open), with what they hold. */
  private readonly leftover = new Map<number, SegmentFingerprint>();
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string | undefined,
    private readonly journal: WriteAheadJournal | undefined,
    private readonly checkpointBytes: number,
    private readonly io: FileIo,
    /** Journal tails that replay at open skipped: worth a warning to the operator. */
    readonly recovery: readonly SkippedTail[],
    private readonly onCheckpoint: (event: CheckpointEvent) => void = () => {},
    private readonly checkpointRetryMs = CHECKPOINT_RETRY_MS,
    private onJournalTaken: ((error: Error) => void) | undefined = undefined,
  ) {
    this.flusher = new CoalescingFlusher(() => this.flush());
  }

  /** Opens `file` (a seed devices.db works), creating it when missing, and runs `schema`. */
  static async open(
    file: string,
    schema: readonly SchemaStep[],
    options: SqlJsDatabaseOptions = {},
  ): Promise<SqlJsDatabase> {
    const io = options.io ?? nodeFileIo;
    await removeStaleSnapshots(file);
    const SQL = await loadSqlJs();
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const db = new SQL.Database(bytes);
    let folded: Map<number, SegmentFingerprint>;
    try {
      for (const step of FOLDED_SCHEMA) db.run(step);
      folded = foldedSegments(db);
      for (const step of schema) runSchemaStep(db, step);
      tune(db);
    } catch (error) {
      db.close();
      throw new Error(`${file} is not a usable SQLite database: ${(error as Error).message}`);
    }
    const recovered = await recoverJournal(file, folded);
    for (const entry of recovered.entries) replayEntry(db, entry);
    // Start clean: the database file holds everything, and one empty journal segment is open.
    // On a full disk the file cannot be rewritten: the segments stay and a new one follows them,
    // so reads are served and writes succeed again once space is freed.
    const last = Math.max(recovered.segments.at(-1) ?? 0, ...folded.keys());
    const skipped = await keepDamagedSegments(recovered.skipped);
    recordFolded(db, recovered.fingerprints);
    const image = db.export();
    const written = await writeFileDurably(file, image, 0o644, io).then(
      () => true,
      () => false,
    );
    releaseBuffer(image);
    const journal = await WriteAheadJournal.start(file, last, io).catch((error: unknown) => {
      db.close();
      throw error;
    });
    const discarded =
      written &&
      (await journal.discardThrough(last).then(
        () => true,
        () => false,
      ));
    const database = new SqlJsDatabase(
      db,
      file,
      journal,
      options.checkpointBytes ?? CHECKPOINT_BYTES,
      io,
      skipped,
      options.onCheckpoint,
      options.checkpointRetryMs,
      options.onJournalTaken,
    );
    // Still on disk (the fold or the removal failed): every later file records them as well.
    if (!discarded)
      for (const [segment, fingerprint] of recovered.fingerprints) database.leftover.set(segment, fingerprint);
    return database;
  }

  /** Opens `file` only to read it (the seed import); nothing is ever written back. */
  static async openReadOnly(file: string): Promise<SqlJsDatabase> {
    const SQL = await loadSqlJs();
    return new SqlJsDatabase(new SQL.Database(await readFile(file)), undefined, undefined, 0, nodeFileIo, []);
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
  async *pages<T>(
    sql: string,
    pageSize: number,
    map: (row: SqlValue[]) => T,
    keyOf: (item: T) => string,
  ): AsyncGenerator<T> {
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
   * Makes `statements` durable, then applies them in one transaction, and resolves with the
   * number of rows they changed: when it resolves, reads see them; when it rejects (a full disk
   * is `storage-full`), nobody ever will. `applied` runs in the same turn as they reach memory
   * (to drop cached rows). Replay after a crash applies each acknowledged write once: segments
   * the database file holds already are skipped (FOLDED_TABLE), so a statement may add to
   * what is stored (a poll count).
   *
   * `trusted`: statements SQLite cannot refuse (an adapter's upsert of values it typed itself)
   * are not tried before they are journaled, which halves the cost of the large batches that
   * need it (the fleet inventory's). One that fails anyway fails its writer all the same, and
   * replay skips it as it was skipped then (replayEntry).
   */
  async write(
    statements: readonly WriteStatement[],
    applied?: () => void,
    options: { readonly trusted?: boolean } = {},
  ): Promise<number> {
    if (this.closed) throw new Error('the database is closed');
    if (this.journal === undefined) throw new Error('the database is open read-only');
    if (options.trusted !== true) this.validate(statements);
    const write: PendingWrite = {
      record: encodeEntry(statements.map(journaledForm)),
      statements,
      applied,
      changes: 0,
    };
    this.pending.push(write);
    await this.flusher.request();
    if (write.error !== undefined) throw write.error;
    return write.changes;
  }

  /**
   * Waits for pending writes and checkpoints, then folds the journal into the file. On a full
   * disk that last step fails: the journal segments then stay, and the next start replays them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flusher.settle();
    await this.checkpoint;
    // A journal taken over belongs to the process that took it, and so does the file: not a byte more.
    if (this.journal !== undefined && this.file !== undefined && !this.journal.takenOver) {
      const folded = await writeFileDurably(this.file, this.snapshot(this.journal.segment), 0o644, this.io).then(
        () => true,
        () => false,
      );
      await this.journal.close().catch(() => {});
      if (folded) await this.discardThrough(this.journal, Number.MAX_SAFE_INTEGER).catch(() => {});
    }
    if (this.journal?.takenOver === true) await this.journal.close().catch(() => {});
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

  /**
   * Runs `statements` and rolls them back, so that one SQLite refuses fails its writer before it
   * is journaled. They run against the durable state, without the writes still waiting for their
   * append: the statements we write (upserts, deletes by key) succeed or fail regardless of order.
   */
  private validate(statements: readonly WriteStatement[]): void {
    // Prepared once like the statements: every write pays for these three.
    this.prepared('SAVEPOINT validate').run();
    try {
      for (const statement of statements) this.run(statement);
    } finally {
      this.prepared('ROLLBACK TO validate').run();
      this.prepared('RELEASE validate').run();
    }
  }

  /** Applies one durable write to memory; one SQLite refuses here is refused again at replay. */
  private apply(write: PendingWrite): void {
    this.db.run('BEGIN');
    try {
      for (const statement of write.statements) write.changes += this.run(statement);
      this.db.run('COMMIT');
    } catch (error) {
      rollBack(this.db);
      write.error = error;
      return;
    }
    write.applied?.();
  }

  /** Runs one statement of a write; the rows it changed. */
  private run(statement: WriteStatement): number {
    if (!('journaled' in statement)) {
      this.prepared(statement[0]).run(statement[1] as SqlValue[]);
      return this.db.getRowsModified();
    }
    const prepared = this.prepared(statement.sql);
    let changes = 0;
    for (let i = 0; i < statement.rowCount; i += 1) {
      prepared.run(statement.row(i) as SqlValue[]);
      changes += this.db.getRowsModified();
    }
    return changes;
  }

  /**
   * The whole database as a file image that holds the changes of journal segments up to
   * `through`; export() frees every statement, so ours go first.
   */
  private snapshot(through: number): Uint8Array {
    this.freeStatements();
    const segments = new Map([...this.leftover].filter(([segment]) => segment <= through));
    for (const [segment, fingerprint] of this.journal?.fingerprintsThrough(through) ?? [])
      segments.set(segment, fingerprint);
    recordFolded(this.db, segments);
    // The connection's settings (tune) outlive it: export() copies through SQLite's backup API.
    return this.db.export();
  }

  /** Removes the segments up to `through`, whose changes the file now holds, and their fingerprints. */
  private async discardThrough(journal: WriteAheadJournal, through: number): Promise<void> {
    await journal.discardThrough(through);
    journal.forgetThrough(through);
    for (const segment of [...this.leftover.keys()]) if (segment <= through) this.leftover.delete(segment);
  }

  private freeStatements(): void {
    for (const statement of this.statements.values()) statement.free();
    this.statements.clear();
  }

  /** One group commit: every write pending when it starts, one append, one fsync, then memory. */
  private async flush(): Promise<void> {
    const journal = this.journal;
    const group = this.pending;
    this.pending = [];
    if (journal === undefined || group.length === 0) return;
    try {
      await journal.append(group.map((write) => write.record).join(''));
    } catch (error) {
      this.noticeTaken(error);
      // Every writer of the group hears it; none of their changes reached memory.
      throw storageFullOr(error, 'saving the change');
    }
    for (const write of group) this.apply(write);
    const retryDue = this.checkpointRetryAt !== undefined && Date.now() >= this.checkpointRetryAt;
    // At least as many journal bytes as the last checkpoint wrote: rewriting a large database for
    // every few MiB of small changes (a fleet's checks) would write it over and over.
    // Capped, so that what a start replays stays bounded however large the database grows.
    const due = journal.size >= Math.min(Math.max(this.checkpointBytes, this.lastSnapshotBytes), MAX_CHECKPOINT_BYTES);
    if ((due || retryDue) && !this.checkpointing) await this.startCheckpoint(journal);
  }

  /** Reports a journal taken over by another process, once. */
  private noticeTaken(error: unknown): void {
    if (!(error instanceof JournalTaken)) return;
    const report = this.onJournalTaken;
    this.onJournalTaken = undefined;
    report?.(error);
  }

  /**
   * Rotates the journal and exports the database in the same turn, so that the snapshot holds
   * exactly the closed segments' changes; then writes the snapshot in the background and drops
   * the closed segments once it is durable. A checkpoint that fails (a full disk) loses nothing:
   * the closed segments stay on disk until a later checkpoint succeeds, and replay at the next
   * start covers them.
   */
  private async startCheckpoint(journal: WriteAheadJournal): Promise<void> {
    const closed = await journal.rotate().catch((error: unknown) => void this.noticeTaken(error));
    if (closed === undefined) return; // no new segment now: the next flush tries again
    const snapshot = this.snapshot(closed);
    this.lastSnapshotBytes = snapshot.length;
    const file = this.file as string;
    this.checkpointing = true;
    this.checkpoint = (async () => {
      try {
        try {
          await writeFileDurably(file, snapshot, 0o644, this.io);
        } finally {
          releaseBuffer(snapshot);
        }
        await this.discardThrough(journal, closed);
        if (this.checkpointRetryAt !== undefined) this.onCheckpoint({ kind: 'recovered' });
        this.checkpointRetryAt = undefined;
      } catch (error) {
        // Kept: see above. Said once per streak of failures, and tried again soon after, not
        // only once the journal has grown by another checkpointBytes.
        if (this.checkpointRetryAt === undefined)
          this.onCheckpoint({ kind: 'failed', error, journalBytes: await journalBytes(file) });
        this.checkpointRetryAt = Date.now() + this.checkpointRetryMs;
      } finally {
        this.checkpointing = false;
      }
    })();
  }
}

/**
 * The connection's settings. sql.js keeps the database file in an in-memory file system that
 * SQLite reaches through JavaScript calls: with the defaults, every transaction created and
 * deleted a rollback journal file there, and every statement took and released a file lock and
 * re-read the first page to see whether another connection had changed the file. There is no
 * other connection, and durability is the write-ahead journal's business (see write()), so the
 * rollback journal stays in memory and the lock is held for good. A larger page cache keeps a
 * large fleet's hot pages out of those calls too.
 */
function tune(db: Database): void {
  db.run('PRAGMA locking_mode = EXCLUSIVE');
  db.run('PRAGMA journal_mode = MEMORY');
  db.run('PRAGMA cache_size = -4096');
}

function runSchemaStep(db: Database, step: SchemaStep): void {
  if (typeof step === 'string') {
    db.run(step);
    return;
  }
  // Names are the adapters' own constants, never input.
  const found = db.exec('SELECT 1 FROM pragma_table_info(?) WHERE name = ?', [step.table, step.column]);
  if (found.length === 0) db.run(`ALTER TABLE ${step.table} ADD COLUMN ${step.column} ${step.definition}`);
}

/**
 * Replays one journaled write. A write SQLite refused when it was first applied was answered
 * with that error; it is refused the same way here and skipped, as it was then.
 */
function replayEntry(db: Database, statements: readonly JournalStatement[]): void {
  db.run('BEGIN');
  try {
    for (const [sql, params] of statements) db.run(sql, params as SqlValue[]);
    db.run('COMMIT');
  } catch {
    rollBack(db);
  }
}

/**
 * Rolls back a write SQLite refused. Some refusals end the transaction themselves (out of memory,
 * a trigger's RAISE(ROLLBACK)): nothing is left to roll back then, and what follows the write (the
 * rest of its group, the rest of a replay) must still run.
 */
function rollBack(db: Database): void {
  try {
    db.run('ROLLBACK');
  } catch {
    // No transaction left: SQLite rolled it back already.
  }
}

/** Bytes of every journal segment of `file` on disk: how much the next start would replay. */
async function journalBytes(file: string): Promise<number> {
  const prefix = `${basename(file)}.journal.`;
  let total = 0;
  for (const name of await readdir(dirname(file)).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) total += (await stat(join(dirname(file), name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * Removes the temporaries that `writeFileDurably` leaves beside `file` when a crash cuts off a
 * checkpoint (`.<name>.tmp-<hex>`, each as large as the whole database): nothing else would, and
 * a few crashes could fill the disk. Only those names: the file and its journal were complete
 * before the temporary was made, and the data dir's lock keeps any other writer out.
 */
async function removeStaleSnapshots(file: string): Promise<void> {
  const prefix = `.${basename(file)}.tmp-`;
  for (const name of await readdir(dirname(file)).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length))) {
      await rm(join(dirname(file), name), { force: true });
    }
  }
}
