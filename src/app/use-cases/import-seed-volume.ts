import type { DeviceAppRecord } from '../../domain/device-app-record.js';
import { createDeviceAppRecord } from '../../domain/device-app-record.js';
import { isDomainError } from '../../domain/domain-error.js';
import { UPDATE_FILE_PATH_RULE, type UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { UploadUpdateFile } from './upload-update-file.js';

/** The seed keeps its database beside the update files; these names are never update files. */
const SEED_DATABASE = /^devices\.db(-journal|-wal|-shm)?$/;

export interface SeedImportReport {
  readonly rows: number;
  readonly files: number;
  /**
   * Rows or files that cannot be served (invalid identifiers, a file name outside the path rule,
   * an image the trusted keys refuse): no row is imported while any exist, unless skipped.
   */
  readonly invalid: readonly string[];
  /** Rows whose update file is not in the volume (or was refused): imported, their check answers 404, as in the seed. */
  readonly missingFiles: readonly string[];
  /**
   * Rows naming an image of the very version they update from: imported, their check answers 204
   * (the seed offered the image at every check, and the device installed it again each time).
   */
  readonly reinstallLoops: readonly string[];
}

export class SeedImportRefused extends Error {
  constructor(
    readonly report: SeedImportReport,
    /** Files stored before a file was refused (the refusals of files come from their bytes). */
    readonly filesStored = 0,
  ) {
    super(
      `the seed volume has ${report.invalid.length} row(s) or file(s) this server cannot serve; no row was ` +
        `imported${filesStored > 0 ? ` (the ${filesStored} file(s) it could serve were stored: running the import again is safe)` : ''}`,
    );
  }
}

/** A file could not be stored (a full disk, an I/O error): the files before it are, no row is. */
export class SeedImportStopped extends Error {
  constructor(path: string, stored: number, files: number, cause: unknown) {
    super(
      `the import stopped at ${path}, with ${stored} of ${files} file(s) stored and no row imported (once the ` +
        `cause is fixed, running it again is safe): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Refusals of one file's bytes that skip that file (with --skip-invalid) rather than stop the import. */
const FILE_REFUSALS: ReadonlySet<string> = new Set(['untrusted-signature']);

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

  /** `unservableFiles`: names in the volume no path can ask for (see FileSystemBlobStore.unservableNames). */
  async execute(options: { skipInvalid: boolean; unservableFiles?: readonly string[] }): Promise<SeedImportReport> {
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
    for (const name of options.unservableFiles ?? []) {
      if (!SEED_DATABASE.test(name)) invalid.push(`file "${name}": ${UPDATE_FILE_PATH_RULE}`);
    }
    const paths: UpdateFilePath[] = [];
    for await (const path of this.seedFiles.list()) if (!SEED_DATABASE.test(path)) paths.push(path);
    // `versions`: the image version of each stored file that is an image.
    const report = (stored: ReadonlySet<string>, versions: ReadonlyMap<string, string>): SeedImportReport => ({
      rows: records.length,
      files: stored.size,
      invalid,
      missingFiles: records
        .filter((record) => !stored.has(record.updateFilePath))
        .map((record) => `${record.deviceId} -> ${record.updateFilePath}`),
      reinstallLoops: records
        .filter((record) => versions.get(record.updateFilePath) === record.appVersion)
        .map((record) => `${record.deviceId} -> ${record.updateFilePath} (version ${record.appVersion})`),
    });
    if (invalid.length > 0 && !options.skipInvalid) throw new SeedImportRefused(report(new Set(paths), new Map()));

    const stored = new Set<string>();
    const versions = new Map<string, string>();
    for (const path of paths) {
      const opened = await this.seedFiles.open(path);
      if (opened === undefined) continue; // removed while we ran
      try {
        // The seed served any bytes: keep them all, recording what each file is.
        const file = await this.upload.execute(path, opened.content(), {
          validate: false,
          maxBytes: Number.MAX_SAFE_INTEGER,
          allowReinstallLoop: true,
        });
        stored.add(path);
        if (file.image !== undefined) versions.set(path, file.image.version);
      } catch (error) {
        if (!isDomainError(error) || !FILE_REFUSALS.has(error.code)) {
          throw new SeedImportStopped(path, stored.size, paths.length, error);
        }
        invalid.push(`file "${path}": ${error.message}`);
      }
    }
    if (invalid.length > 0 && !options.skipInvalid) throw new SeedImportRefused(report(stored, versions), stored.size);
    await this.devices.upsertMany(records);
    return report(stored, versions);
  }
}
