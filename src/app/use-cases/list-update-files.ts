import { inject, injectable } from 'inversify';
import { DomainError } from '../../domain/domain-error.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import { UpdateFileDescriber } from '../firmware/update-file-describer.js';

/** An operator looks at the stored files: size, SHA-256 and what their images say. */
@injectable()
export class ListUpdateFiles {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UpdateFileDescriber) private readonly describer: UpdateFileDescriber,
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
  ) {}

  /** Every stored file, in path order (the store is the truth; entries are made good on the way). */
  async execute(): Promise<UpdateFile[]> {
    const paths: UpdateFilePath[] = [];
    for await (const path of this.files.list()) paths.push(path);
    paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: UpdateFile[] = [];
    for (const path of paths) {
      const entry = await this.describer.describe(path);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  async one(path: UpdateFilePath): Promise<UpdateFile> {
    const entry = await this.describer.describe(path);
    if (entry === undefined) throw new DomainError('file-not-found', `no update file at ${path}`);
    return entry;
  }

  /** The devices whose device row names `path` (stored or not), in id order. */
  async namedBy(path: UpdateFilePath): Promise<DeviceId[]> {
    return (await this.devices.namingFile(path)).map((row) => row.deviceId).sort();
  }
}
