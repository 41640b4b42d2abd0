import type { DeviceAppRecord } from '../../domain/device-app-record.js';
import { createDeviceAppRecord } from '../../domain/device-app-record.js';
import { isDomainError } from '../../domain/domain-error.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { UploadUpdateFile } from './upload-update-file.js';

/** The seed keeps its database beside the update files; these names are never update files. */
const SEED_DATABASE = /^devices\.db(-journal|-wal|-shm)?$/;

export interface SeedImportReport {
  readonly rows: number;
  readonly files: number;
  /** Rows or files that cannot be served (invalid identifiers): nothing is imported while any exist, unless skipped. */
  readonly invalid: readonly string[];
  /** Rows whose update file is not in the volume: imported, but their check answers 404, as in the seed. */
  readonly missingFiles: readonly string[];
}

export class SeedImportRefused extends Error {
  constructor(readonly report: SeedImportReport) {
    super(`the seed volume has ${report.invalid.length} row(s) this server cannot serve; nothing was imported`);
  }
}

/**
 * Copies a seed installation (its `device_app` rows and the update files beside its devices.db)
 * into this server's storage. Everything is checked first; files are copied before rows, so a
 * row never points at a file that an interrupted import did not copy.
 */
export class ImportSeedVolume {
  constructor(
    private readonly seedDevices: DeviceAppRepository,
    private readonly seedFiles: BlobStore,
    private readonly devices: DeviceAppRepository,
    private readonly upload: UploadUpdateFile,
  ) {}

  async execute(options: { skipInvalid: boolean }): Promise<SeedImportReport> {
    const invalid: string[] = [];
    const records: DeviceAppRecord[] = [];
    for await (const row of this.seedDevices.list()) {
      try {
        records.push(createDeviceAppRecord(row));
      } catch (error) {
        if (!isDomainError(error)) throw error;
        invalid.push(`row "${row.deviceId}","${row.appVersion}","${row.updateFilePath}": ${error.message}`);
      }
    }
    const paths: UpdateFilePath[] = [];
    for await (const path of this.seedFiles.list()) if (!SEED_DATABASE.test(path)) paths.push(path);
    const present = new Set<string>(paths);
    const missingFiles = records
      .filter((record) => !present.has(record.updateFilePath))
      .map((record) => `${record.deviceId} -> ${record.updateFilePath}`);
    const report = { rows: records.length, files: paths.length, invalid, missingFiles };
    if (invalid.length > 0 && !options.skipInvalid) throw new SeedImportRefused(report);

    for (const path of paths) {
      const opened = await this.seedFiles.open(path);
      if (opened === undefined) continue; // removed while we ran
      // The seed served any bytes: keep them all, recording what each file is.
      await this.upload.execute(path, opened.content(), { validate: false, maxBytes: Number.MAX_SAFE_INTEGER });
    }
    await this.devices.upsertMany(records);
    return report;
  }
}
