import type { AuditAction, AuditRecord, NewAuditRecord } from '../../domain/audit/audit-record.js';
import { auditDetail, auditTarget } from '../../domain/audit/audit-record.js';
import type { AuditLog, AuditQuery } from '../../ports/audit-log.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { AuditSettings } from './audit-settings.js';

/** Who made a change, and from where: what the inbound adapter knows of the request. */
export interface AuditSource {
  /** The operator credential's user name, or `local:<command>` (see NewAuditRecord.actor). */
  readonly actor: string;
  /** The client's address; null for a local command. */
  readonly address: string | null;
  /** The request's id; null for a local command. */
  readonly requestId: string | null;
}

/** A change's source when a command of the server's own made it on its machine, with no credential. */
export function localSource(command: string): AuditSource {
  return { actor: `local:${command}`, address: null, requestId: null };
}

/** One change, as the code that made it describes it. */
export interface AuditEntry {
  readonly action: AuditAction;
  /** What was changed: a device id, a file path, ... */
  readonly target: string;
  /** What it was set to: facts, never a secret (a fact named like one is kept as `[redacted]`). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Records that could not be written, kept for the next try; beyond this many the oldest go (logged). */
const MAX_PENDING = 10_000;
/** While records wait, they are tried again this often (as well as with every new record). */
const RETRY_MS = 1_000;

/**
 * The audit log as the operators' changes reach it: every change that was made is recorded,
 * durably, before the request that made it is answered; a change that failed (refused, or cut
 * short by an error) is not recorded, as it did not happen. Inbound adapters call `recorded` (or
 * `record` after a change) with the request's source; use cases that an operator drives may do
 * the same with the source they are given.
 *
 * The one exception is storage failing between the change and its record (a disk that fills up
 * in between): the change is made and durable, so it is answered as made, as every write answered
 * with an error must have changed nothing. Its record is then kept in memory, logged as an
 * error, and written as soon as storage takes writes again (tried every second, with every new
 * record, and at close); only a process that dies before that loses it.
 */
export class AuditTrail {
  private pending: NewAuditRecord[] = [];
  private pruneTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private maintenance: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly log: AuditLog,
    readonly settings: AuditSettings,
    private readonly logger: Logger,
    /** The clock (epoch ms) of the records' `at`. */
    readonly now: () => number = Date.now,
  ) {}

  /**
   * Makes the change, then records what `describe` makes of its result (no entry: nothing to
   * record), and resolves with the result once the records are durable. A change that throws
   * is not recorded.
   */
  async recorded<T>(
    source: AuditSource,
    change: () => Promise<T>,
    describe: (result: T) => AuditEntry | readonly AuditEntry[],
  ): Promise<T> {
    const result = await change();
    await this.record(source, describe(result));
    return result;
  }

  /**
   * Records changes already made. Resolves once they are durable, with true; or, when storage
   * failed, once they are kept for later, with false (see the class). Never rejects: the changes
   * were made.
   */
  async record(source: AuditSource, entries: AuditEntry | readonly AuditEntry[]): Promise<boolean> {
    const list: readonly AuditEntry[] = isEntryList(entries) ? entries : [entries];
    if (list.length === 0) return true;
    const at = this.now();
    const fresh = list.map((entry): NewAuditRecord => ({
      at,
      actor: source.actor,
      address: source.address,
      action: entry.action,
      target: auditTarget(entry.target),
      detail: auditDetail(entry.detail ?? {}),
      requestId: source.requestId,
    }));
    try {
      await this.write(fresh);
      return true;
    } catch (error) {
      this.logger.error('an operator change was made but its audit record could not be written yet; retrying', {
        error,
        action: fresh[0]?.action,
        target: fresh[0]?.target,
        records: fresh.length,
      });
      return false;
    }
  }

  /** Records ascending by seq after the cursor. */
  list(query: AuditQuery): Promise<AuditRecord[]> {
    return this.log.list(query);
  }

  /** The greatest seq the log has given (0 when none): where its tail starts. */
  lastSeq(): Promise<number> {
    return this.log.lastSeq();
  }

  /** How many records wait to be written (storage failed). */
  get waiting(): number {
    return this.pending.length;
  }

  /** Prunes old records now and then, in the background, until closed. */
  startPruning(): void {
    if (this.pruneTimer !== undefined || this.closed) return;
    const run = () => {
      this.maintenance ??= this.prune().finally(() => {
        this.maintenance = undefined;
      });
    };
    run();
    this.pruneTimer = setInterval(run, this.settings.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  /** Stops the background work and tries once more to write what could not be written. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruneTimer);
    clearTimeout(this.retryTimer);
    this.pruneTimer = undefined;
    this.retryTimer = undefined;
    await this.maintenance;
    if (this.pending.length === 0) return;
    await this.write([]).catch((error: unknown) =>
      this.logger.error('audit records could not be written before stopping; they are lost', {
        error,
        records: this.pending.length,
      }),
    );
  }

  /**
   * Appends the records still waiting and then `fresh`, in one write, in order; on failure keeps
   * them all waiting (and schedules a retry) and rejects.
   */
  private async write(fresh: readonly NewAuditRecord[]): Promise<AuditRecord[]> {
    const records = this.pending.length === 0 ? fresh : [...this.pending, ...fresh];
    if (records.length === 0) return [];
    this.pending = [];
    try {
      return await this.log.append(records);
    } catch (error) {
      this.keepPending(records);
      this.scheduleRetry();
      throw error;
    }
  }

  private keepPending(records: readonly NewAuditRecord[]): void {
    // Ahead of any kept meanwhile by a concurrent write that failed too: they are older.
    this.pending = [...records, ...this.pending];
    const excess = this.pending.length - MAX_PENDING;
    if (excess > 0) {
      this.pending = this.pending.slice(excess);
      this.logger.error('audit records could not be written for too long; the oldest are dropped', {
        dropped: excess,
      });
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.write([]).then(
        (written) => {
          if (written.length > 0) this.logger.info('audit records written after all', { records: written.length });
        },
        () => {},
      );
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private async prune(): Promise<void> {
    try {
      await this.log.prune(this.now() - this.settings.retentionMs);
    } catch (error) {
      this.logger.warn('pruning the audit log failed; retrying later', { error });
    }
  }
}

function isEntryList(entries: AuditEntry | readonly AuditEntry[]): entries is readonly AuditEntry[] {
  return Array.isArray(entries);
}
