import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/domain-error.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore, OpenedBlob } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import { UpdateFileDescriber } from '../firmware/update-file-describer.js';

/** A file held open for download, with the entry (size, SHA-256) of exactly those bytes. */
export interface OpenedUpdateFile {
  readonly blob: OpenedBlob;
  readonly file: UpdateFile;
}

/** A device (or an operator) downloads an update file. */
@injectable()
export class OpenUpdateFile {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UpdateFileDescriber) private readonly describer: UpdateFileDescriber,
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
  ) {}

  /**
   * `onlyFor`: the asker is that device (its own credential) and may download only the file its
   * row assigns it; any other is answered as missing, which tells it nothing of the store.
   */
  async execute(path: UpdateFilePath, onlyFor?: DeviceId): Promise<OpenedUpdateFile> {
    if (onlyFor !== undefined && (await this.devices.get(onlyFor))?.updateFilePath !== path) {
      throw new DomainError('file-not-found', `no update file at ${path}`);
    }
    const blob = await this.files.open(path);
    if (blob === undefined) throw new DomainError('file-not-found', `no update file at ${path}`);
    try {
      return { blob, file: await this.describer.describeOpened(path, blob) };
    } catch (error) {
      await blob.release();
      throw error;
    }
  }
}
