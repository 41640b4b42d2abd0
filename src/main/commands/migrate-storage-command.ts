import { existsSync } from 'node:fs';
import { nodeSha256 } from '../../adapters/outbound/crypto/node-sha256.js';
import { AuditTrail, localSource } from '../../app/audit/audit-trail.js';
import { type MigrationReport, MigrateStorage, MigrationRefused } from '../../app/use-cases/migrate-storage.js';
import type { AuditAction } from '../../domain/audit/audit-record.js';
import type { Logger } from '../../ports/logger.port.js';
import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { openMigrationTarget } from '../bootstrap/migration-target.js';
import { openDiskStorage } from '../bootstrap/storage.js';
import { ConfigError } from '../config/config-error.js';
import { dataLayout } from '../config/data-layout.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../../app/config/config.js';
import { blobUrl, databaseUrl } from '../config/storage-config.js';
import { shownValue } from '../config/shown-value.js';
import { stopOnLostLock } from './stop-on-lost-lock.js';

/** The audit action of a migration, recorded in the target's log. */
const MIGRATE_ACTION: AuditAction = 'storage.migrate';
const ACTOR = 'migrate-storage';

export interface MigrateStorageOptions {
  /** The PostgreSQL URL (--to). */
  readonly to: string | undefined;
  /** The bucket's s3://bucket/prefix URL (--blobs), or undefined to leave the files in the data dir. */
  readonly blobs: string | undefined;
}

/** Checks --to and --blobs as the variables they stand for are checked: exit 2 naming the option. */
export function checkMigrateOptions(options: MigrateStorageOptions): { to: string; blobs: string | undefined } {
  if (options.to === undefined)
    throw new ConfigError('--to', 'is required: --to postgres://user:password@host/database');
  const to = databaseUrl.safeParse(options.to);
  if (!to.success)
    throw new ConfigError(
      '--to',
      `${to.error.issues[0]?.message} (got "${shownValue('FUOTA_DATABASE_URL', options.to)}")`,
    );
  if (options.blobs !== undefined) {
    const blobs = blobUrl.safeParse(options.blobs);
    if (!blobs.success) throw new ConfigError('--blobs', `${blobs.error.issues[0]?.message} (got "${options.blobs}")`);
  }
  return { to: options.to, blobs: options.blobs };
}

/**
 * `fuota-server migrate-storage --to postgres://... [--blobs s3://...]`: copies FUOTA_DATA_DIR's
 * embedded state into PostgreSQL (and its files into the bucket), then verifies the copy. Exit
 * 0 copied and verified, 1 refused, failed or not verified.
 */
export async function migrateStorageCommand(
  env: NodeJS.ProcessEnv,
  options: MigrateStorageOptions,
  logger: Logger,
  print: (text: string) => void,
): Promise<number> {
  const { to, blobs } = checkMigrateOptions(options);
  const config = targetConfig(env, to, blobs);
  const { database } = config.storage;
  if (database === undefined) throw new Error('unreachable: --to is set');
  const layout = dataLayout(config.dataDir);
  if (!existsSync(layout.databaseFile))
    throw new Error(`${config.dataDir} holds no devices.db: there is no embedded data to migrate`);
  // A server running on the data dir holds this lock: the command refuses rather than copy a moving state.
  const lock = await DataDirLock.acquire(config.dataDir, { onLost: stopOnLostLock, logger });
  try {
    const source = await openDiskStorage(layout, logger, (error) => lock.reportLost(error));
    try {
      const target = await openMigrationTarget(database, config.storage.blobs, source.files, logger);
      const shownTarget = shownValue('FUOTA_DATABASE_URL', to);
      logger.info('migrating the data dir', {
        from: config.dataDir,
        to: shownTarget,
        files: blobs ?? 'stay in the data dir (files/): only the tables move',
      });
      const audit = new AuditTrail(target.stores.audit, config.audit, logger);
      try {
        const migration = new MigrateStorage(
          source,
          target.stores,
          {
            copyFiles: blobs !== undefined,
            isOwnRecord: (record) => record.action === MIGRATE_ACTION && record.actor === `local:${ACTOR}`,
          },
          nodeSha256,
          logger,
        );
        const report = await audit.recorded(
          localSource(ACTOR),
          () => migration.execute(),
          (done) => ({
            action: MIGRATE_ACTION,
            target: config.dataDir,
            detail: {
              to: shownTarget,
              // The files' count under its own name: as `files`, it took the place of where they went.
              ...Object.fromEntries(
                done.tables.map((check) => [check.table === 'files' ? 'storedFiles' : check.table, check.source]),
              ),
              files: blobs ?? 'data dir',
              verified: done.ok,
            },
          }),
        );
        // After the log lines so far, so that the table is not cut by them.
        await logger.flush();
        print(summary(report));
        for (const line of report.differences) logger.error('differs after the copy', { difference: line });
        if (!report.ok) {
          logger.error('the target does not match the data dir: see the differences; rerun to copy again');
          return 1;
        }
        logger.info(
          report.filesCopied
            ? "migration verified: the data dir's state and files are in the shared storage"
            : "migration verified: the tables are in PostgreSQL; the update files stay in the data dir's files/",
        );
        return 0;
      } catch (error) {
        if (!(error instanceof MigrationRefused)) throw error;
        for (const reason of error.reasons) logger.error('refused', { reason });
        logger.error(
          `${error.message}: nothing was copied (a copy would roll back what was written there since). ` +
            'If servers have run on the target, it holds the live state: keep it, and do not migrate this data dir again. ' +
            'To copy the data dir as it is now instead, migrate into an empty database (a new one, or this one dropped and created again)' +
            (blobs === undefined ? '.' : ' and a bucket prefix holding no update files.'),
        );
        return 1;
      } finally {
        await audit.close();
        await target.close();
      }
    } finally {
      await source.close();
    }
  } finally {
    await lock.release();
  }
}

/** The bucket's settings, which only apply with --blobs (serve's FUOTA_BLOB_URL). */
const S3_SETTINGS: ReadonlySet<string> = new Set(['FUOTA_S3_ENDPOINT', 'FUOTA_S3_REGION', 'FUOTA_S3_PATH_STYLE']);

/**
 * The target's settings as serve reads them (pool size, FUOTA_S3_*), --to and --blobs standing
 * for FUOTA_DATABASE_URL and FUOTA_BLOB_URL ('' is "unset"). A bucket setting without --blobs is
 * refused as serve refuses one without FUOTA_BLOB_URL, naming the option (the variables are often
 * still exported for the server).
 */
function targetConfig(env: NodeJS.ProcessEnv, to: string, blobs: string | undefined): Config {
  try {
    return loadConfig({ ...env, FUOTA_DATABASE_URL: to, FUOTA_BLOB_URL: blobs ?? '' });
  } catch (error) {
    if (!(error instanceof ConfigError) || blobs !== undefined || !S3_SETTINGS.has(error.variable)) throw error;
    throw new ConfigError(
      error.variable,
      `${error.variable} is set but --blobs is not: the bucket's settings only apply with --blobs. ` +
        'Give --blobs s3://bucket/prefix to move the update files into the bucket, ' +
        `or unset ${error.variable} (and the other FUOTA_S3_* variables) to move only the tables, the files staying in the data dir`,
    );
  }
}

/** The per-table check as a text table. */
function summary(report: MigrationReport): string {
  const lines = [
    ['table', 'source', 'target', 'ok'],
    ...report.tables.map((check) => [
      check.table,
      String(check.source),
      String(check.target),
      check.ok ? 'ok' : 'DIFFERS',
    ]),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...lines.map((line) => line[column]?.length ?? 0)));
  return `${lines
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
