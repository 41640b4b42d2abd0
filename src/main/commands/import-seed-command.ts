import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeSha256 } from '../../adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../adapters/outbound/crypto/node-signature-verifier.js';
import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import { SqlJsDeviceAppRepository } from '../../adapters/outbound/sqljs/sqljs-device-app-repository.js';
import { unfinishedSqliteWrites } from '../../adapters/outbound/sqljs/unfinished-sqlite-writes.js';
import type { Logger } from '../../ports/logger.port.js';
import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { openStorage } from '../bootstrap/storage.js';
import { stopOnLostLock } from './stop-on-lost-lock.js';
import { dataLayout } from '../config/data-layout.js';
import { loadConfig } from '../config/load-config.js';
import { ImportSeedVolume, SeedImportRefused } from '../../app/use-cases/import-seed-volume.js';
import { UploadUpdateFile } from '../../app/use-cases/upload-update-file.js';
import { UpdateFileLocks } from '../../app/firmware/update-file-locks.js';
import { openTrustedKeys } from '../bootstrap/trusted-keys.js';
import { AuditTrail, localSource } from '../../app/audit/audit-trail.js';

/** `fuota-server import-seed <dir>`: exit 0 imported, 1 refused or failed. */
export async function importSeedCommand(
  env: NodeJS.ProcessEnv,
  seedDir: string,
  options: { skipInvalid: boolean },
  logger: Logger,
): Promise<number> {
  const config = loadConfig(env);
  const source = resolve(seedDir);
  const seedDatabase = join(source, 'devices.db');
  if (!existsSync(seedDatabase)) throw new Error(`${source} holds no devices.db: it is not a seed data volume`);
  const unfinished = await unfinishedSqliteWrites(seedDatabase);
  if (unfinished !== undefined) throw new Error(`${unfinished}; nothing was imported`);
  const seedDevices = await SqlJsDeviceAppRepository.openReadOnly(seedDatabase);
  const seedFiles = await FileSystemBlobStore.openExisting(source);
  const unservableFiles: string[] = [];
  for await (const name of seedFiles.unservableNames()) unservableFiles.push(name);
  const lock = await DataDirLock.acquire(config.dataDir, { onLost: stopOnLostLock, logger });
  try {
    const storage = await openStorage(config.storage, dataLayout(config.dataDir), logger, (error) =>
      lock.reportLost(error),
    );
    // The import is recorded in the audit log like an operator's change over the API, once it is done.
    const audit = new AuditTrail(storage.audit, config.audit, logger);
    try {
      const upload = new UploadUpdateFile(
        storage.files,
        storage.catalog,
        storage.devices,
        config,
        new UpdateFileLocks(),
        nodeSha256,
        nodeSignatureVerifier,
        await openTrustedKeys(config, storage.trustedKeys),
      );
      const importer = new ImportSeedVolume(seedDevices, seedFiles, storage.devices, upload);
      const report = await audit.recorded(
        localSource('import-seed'),
        () => importer.execute({ ...options, unservableFiles }),
        (done) => ({
          action: 'seed.import',
          target: source,
          detail: {
            rows: done.rows,
            files: done.files,
            skippedInvalid: done.invalid.length,
            missingFiles: done.missingFiles.length,
          },
        }),
      );
      for (const line of report.invalid) logger.warn('skipped', { item: line });
      for (const line of report.missingFiles) logger.warn('row without its update file in the volume', { row: line });
      for (const line of report.reinstallLoops) {
        logger.warn(
          'row naming an image of the version it updates from: its check is answered 204 (the seed offered ' +
            'that image at every check, and the device installed it again each time)',
          { row: line },
        );
      }
      logger.info('seed volume imported', {
        from: source,
        into: config.dataDir,
        rows: report.rows,
        files: report.files,
      });
      return 0;
    } catch (error) {
      if (!(error instanceof SeedImportRefused)) throw error;
      for (const line of error.report.invalid) logger.error('cannot import', { item: line });
      logger.error(`${error.message}; fix those rows and files or rerun with --skip-invalid`);
      return 1;
    } finally {
      // A record that could not be written (a full disk) is tried once more.
      await audit.close();
      await storage.close();
    }
  } finally {
    await seedDevices.close();
    await lock.release();
  }
}
