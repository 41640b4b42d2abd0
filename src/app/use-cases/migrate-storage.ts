import type { AuditRecord } from '../../domain/audit/audit-record.js';
import type { Sha256Factory } from '../../domain/firmware/sha256-hasher.js';
import type { NewLoggedEvent } from '../../domain/fleet/fleet-event.js';
import type { Logger } from '../../ports/logger.port.js';
import { copyCatalogOnly, copyUpdateFiles } from './migrate-update-files.js';
import { countTables, type TableCounts } from './migration-counts.js';
import { copiedPrefix, everyRecord, type LogTail, type SeqLog, withoutSeq } from './migration-log-tail.js';
import {
  ALL_ATTEMPTS,
  batches,
  MIGRATED_TABLES,
  type MigratedTable,
  type MigrationStores,
} from './migration-stores.js';
import { compareTarget } from './target-comparison.js';
import { verifyUpdateFiles } from './verify-update-files.js';

/** The target is not empty and is not an earlier run's copy of the source: nothing was written. */
export class MigrationRefused extends Error {
  constructor(
    message: string,
    readonly reasons: readonly string[],
  ) {
    super(message);
    this.name = 'MigrationRefused';
  }
}

export interface TableCheck {
  readonly table: MigratedTable;
  readonly source: number;
  readonly target: number;
  readonly ok: boolean;
}

export interface MigrationReport {
  /** False when the files stay in the source's file store (no target file store). */
  readonly filesCopied: boolean;
  readonly tables: readonly TableCheck[];
  /** What does not match, one line each (empty: the target holds the source's state). */
  readonly differences: readonly string[];
  readonly ok: boolean;
}

export interface MigrationOptions {
  /** False: the target shares the source's file store, so only the catalog is copied. */
  readonly copyFiles: boolean;
  /** The target's audit records a migration wrote (not the source's, so not compared or counted). */
  readonly isOwnRecord: (record: AuditRecord) => boolean;
}

/**
 * Copies a stopped server's whole state into other storage, safe to rerun after an interrupted
 * run: keyed rows are upserted, files already copied are kept, and the two logs resume after what
 * an earlier run appended (see migration-log-tail.ts). Refuses, writing nothing, a target whose
 * rows are not all an earlier run's copy of the source's (see target-comparison.ts): another
 * fleet's storage, or one a server has used since, whose changes a copy would roll back. Never
 * deletes anything in the target. Then counts every table of the target and reads every file back.
 */
export class MigrateStorage {
  constructor(
    private readonly source: MigrationStores,
    private readonly target: MigrationStores,
    private readonly options: MigrationOptions,
    private readonly sha256: Sha256Factory,
    private readonly logger: Logger,
  ) {}

  async execute(): Promise<MigrationReport> {
    const { source, target, options } = this;
    const check = await this.checkTarget();
    const differences: string[] = [];
    if (options.copyFiles) {
      const files = await copyUpdateFiles(source, target);
      this.logger.info('update files copied', { copied: files.copied, alreadyThere: files.kept });
      for (const path of files.staleEntries)
        this.logger.warn(
          'catalog entry copied as it is: it does not describe its file (the server describes the file anew)',
          { path },
        );
      differences.push(...files.mismatched);
    } else {
      const entries = await copyCatalogOnly(source.catalog, target.catalog);
      this.logger.info('update files stay in the data dir; catalog entries copied', { entries });
    }
    await this.copyKeyedTables();
    const events = await this.appendTail('fleet events', source.events, check.eventsTail, (batch) =>
      target.events.append(batch.map((event) => withoutSeq(event) as NewLoggedEvent)),
    );
    const audit = await this.appendTail('audit records', source.audit, check.auditTail, (batch) =>
      target.audit.append(batch.map((record) => withoutSeq(record))),
    );
    // The source is locked: its rows are those the check counted, its logs what it compared and appended.
    return this.verify({ ...check.sourceCounts, events, audit }, differences);
  }

  /**
   * Refuses (MigrationRefused, nothing written) a target that is not an earlier run's copy of the
   * source as it is now: the logs must be a prefix of the source's, every keyed row the source's
   * (see target-comparison.ts), and after a run that verified the target, nothing may be missing
   * from it either.
   */
  private async checkTarget(): Promise<{
    eventsTail: LogPrefix;
    auditTail: LogPrefix;
    sourceCounts: Omit<TableCounts, 'events' | 'audit'>;
  }> {
    const { source, target, options } = this;
    let complete = false;
    const eventsTail = await copiedPrefix(source.events, target.events, () => false);
    const auditTail = await copiedPrefix(source.audit, target.audit, (record) => {
      if (!options.isOwnRecord(record)) return false;
      if (record.detail.verified === true) complete = true;
      return true;
    });
    const reasons = [
      ...(await logDifferences('fleet event', source.events, eventsTail, complete)),
      ...(await logDifferences('audit record', source.audit, auditTail, complete)),
    ];
    const rows = await compareTarget(source, target, this.sha256, { compareFiles: options.copyFiles, complete });
    reasons.push(...rows.differences);
    if (reasons.length > 0 || eventsTail.kind !== 'prefix' || auditTail.kind !== 'prefix')
      throw new MigrationRefused(
        'the target is not a copy of this data dir, whole or cut short by an interrupted run: ' +
          'a server has used it since, it holds another fleet, or the data dir has changed since it was copied',
        reasons,
      );
    const counts = rows.sourceCounts;
    const count = (table: keyof typeof counts) => counts[table] ?? 0;
    return {
      eventsTail,
      auditTail,
      sourceCounts: {
        catalog: count('catalog'),
        devices: count('devices'),
        deviceCredentials: count('deviceCredentials'),
        inventory: count('inventory'),
        attempts: count('attempts'),
        penaltyClearances: count('penaltyClearances'),
        trustedKeys: count('trustedKeys'),
        rollouts: count('rollouts'),
      },
    };
  }

  private async copyKeyedTables(): Promise<void> {
    const { source, target, logger } = this;
    let rows = 0;
    for await (const batch of batches(source.devices.list())) {
      await target.devices.upsertMany(batch);
      rows += batch.length;
    }
    logger.info('device rows copied', { rows });
    let credentials = 0;
    // The port writes one credential at a time: a batch's writes run together, not one round
    // trip after the other (a fleet may hold as many credentials as devices).
    for await (const batch of batches(source.deviceCredentials.list())) {
      await Promise.all(batch.map((credential) => target.deviceCredentials.put(credential)));
      credentials += batch.length;
    }
    logger.info('device credentials copied', { credentials });
    let entries = 0;
    for await (const batch of batches(source.inventory.list())) {
      await target.inventory.putMany(batch);
      entries += batch.length;
    }
    logger.info('inventory entries copied', { entries });
    let attempts = 0;
    for await (const batch of batches(source.attempts.recent(ALL_ATTEMPTS))) {
      await target.attempts.putMany(batch);
      attempts += batch.length;
    }
    logger.info('update attempts copied', { attempts });
    const clearances = await source.penaltyClearances.list();
    for (const [id, at] of clearances) await target.penaltyClearances.put(id, at);
    logger.info('penalty clearances copied', { clearances: clearances.size });
    // In the order they were added, which the target keeps.
    const trustedKeys = await source.trustedKeys.list();
    for (const key of trustedKeys) await target.trustedKeys.put(key);
    logger.info('trusted keys copied', { trustedKeys: trustedKeys.length });
    // In creation order, so that the target lists them in the same order.
    const rollouts = await source.rollouts.list();
    for (const rollout of rollouts) await target.rollouts.put(rollout);
    logger.info('rollouts copied', { rollouts: rollouts.length });
  }

  /** Appends the source records after `tail`; resolves to how many the source holds in all. */
  private async appendTail<R extends { readonly seq: number }>(
    what: string,
    log: SeqLog<R>,
    tail: LogPrefix,
    append: (batch: R[]) => Promise<unknown>,
  ): Promise<number> {
    let appended = 0;
    // Each batch is one durable append: an interrupted run leaves a prefix the next one resumes after.
    for await (const batch of batches(everyRecord(log, tail.after))) {
      await append(batch);
      appended += batch.length;
    }
    this.logger.info(`${what} copied`, { appended, alreadyThere: tail.copied });
    return tail.copied + appended;
  }

  private async verify(sourceCounts: TableCounts, differences: string[]): Promise<MigrationReport> {
    const { source, target, options } = this;
    const targetCounts = await countTables(target, options.isOwnRecord);
    const files = options.copyFiles
      ? await verifyUpdateFiles(source, target.files, this.sha256)
      : await verifyUpdateFiles(source, source.files, this.sha256);
    differences.push(...files.differences);
    const tables = MIGRATED_TABLES.map((table): TableCheck => {
      const [from, to] = table === 'files' ? [files.source, files.target] : [sourceCounts[table], targetCounts[table]];
      const ok = from === to && (table !== 'files' || files.differences.length === 0);
      if (from !== to) differences.push(`${table}: ${from} in the source, ${to} in the target`);
      return { table, source: from, target: to, ok };
    });
    return { filesCopied: options.copyFiles, tables, differences, ok: differences.length === 0 };
  }
}

type LogPrefix = Extract<LogTail, { kind: 'prefix' }>;

/**
 * What keeps the target's log from being an earlier run's copy of the source's: a record that is
 * not the source's (see migration-log-tail.ts) or, once a run verified the target complete,
 * source records the target lacks (the data dir has changed since).
 */
async function logDifferences<R extends { readonly seq: number }>(
  what: string,
  source: SeqLog<R>,
  tail: LogTail,
  complete: boolean,
): Promise<string[]> {
  if (tail.kind === 'diverges')
    return [`${what}s: the target's ${what} ${tail.targetSeq} is not the data dir's ${what} number ${tail.copied + 1}`];
  if (complete && (await source.list({ after: tail.after, limit: 1 })).length > 0)
    return [
      `${what}s: the data dir holds ${what}s after its number ${tail.copied}, which an earlier run verified to be the last`,
    ];
  return [];
}
