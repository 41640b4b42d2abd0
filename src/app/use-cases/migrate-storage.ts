import type { AuditRecord } from '../../domain/audit/audit-record.js';
import type { Sha256Factory } from '../../domain/firmware/sha256-hasher.js';
import type { NewLoggedEvent } from '../../domain/fleet/fleet-event.js';
import type { Logger } from '../../ports/logger.port.js';
import { foreignTargetRows } from './foreign-target-rows.js';
import { copyCatalogOnly, copyUpdateFiles } from './migrate-update-files.js';
import { countTables } from './migration-counts.js';
import { copiedPrefix, everyRecord, type LogTail, type SeqLog, withoutSeq } from './migration-log-tail.js';
import {
  ALL_ATTEMPTS,
  batches,
  MIGRATED_TABLES,
  type MigratedTable,
  type MigrationStores,
} from './migration-stores.js';
import { verifyUpdateFiles } from './verify-update-files.js';

/** The target is not empty and is not an earlier run of this migration: nothing was written. */
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
 * Copies a stopped server's whole state into other storage, safe to rerun: keyed rows are
 * upserted, files already copied are kept, and the two logs resume after what an earlier run
 * appended (see migration-log-tail.ts). Refuses, writing nothing, a target that holds another
 * fleet's data (see foreign-target-rows.ts). Never deletes anything in the target. Then counts
 * every table on both sides and reads every file back.
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
    const foreign = await foreignTargetRows(source, target, { compareFiles: options.copyFiles });
    if (foreign.length > 0) throw new MigrationRefused('the target holds data that is not from this data dir', foreign);
    const eventsTail = await copiedPrefix(source.events, target.events, () => false);
    const auditTail = await copiedPrefix(source.audit, target.audit, options.isOwnRecord);
    const diverging = [...diverges('fleet event', eventsTail), ...diverges('audit record', auditTail)];
    if (diverging.length > 0)
      throw new MigrationRefused(
        "the target has its own events or audit records, not a copy of this data dir's",
        diverging,
      );

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
    await this.appendTail('fleet events', source.events, eventsTail, (batch) =>
      target.events.append(batch.map((event) => withoutSeq(event) as NewLoggedEvent)),
    );
    await this.appendTail('audit records', source.audit, auditTail, (batch) =>
      target.audit.append(batch.map((record) => withoutSeq(record))),
    );
    return this.verify(differences);
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

  private async appendTail<R extends { readonly seq: number }>(
    what: string,
    log: SeqLog<R>,
    tail: LogTail,
    append: (batch: R[]) => Promise<unknown>,
  ): Promise<void> {
    if (tail.kind !== 'prefix') return;
    let appended = 0;
    // Each batch is one durable append: an interrupted run leaves a prefix the next one resumes after.
    for await (const batch of batches(everyRecord(log, tail.after))) {
      await append(batch);
      appended += batch.length;
    }
    this.logger.info(`${what} copied`, { appended, alreadyThere: tail.copied });
  }

  private async verify(differences: string[]): Promise<MigrationReport> {
    const { source, target, options } = this;
    const sourceCounts = await countTables(source);
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

function diverges(what: string, tail: LogTail): string[] {
  return tail.kind === 'diverges'
    ? [`the target's ${what} ${tail.targetSeq} is not the source's ${what} number ${tail.copied + 1}`]
    : [];
}
