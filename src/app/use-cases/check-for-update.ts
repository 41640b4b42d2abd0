import { inject, injectable } from 'inversify';
import type { AppVersion } from '../../domain/app-version.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { UpdateDecision } from '../../domain/update-decision.js';
import { isUpdateFilePath } from '../../domain/update-file-path.js';
import { UpdatePolicy } from '../../domain/update-policy.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';

/** A device asks whether there is an update for the version it runs. */
@injectable()
export class CheckForUpdate {
  private readonly policy = new UpdatePolicy();

  constructor(
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
    @inject(BLOB_STORE) private readonly files: BlobStore,
  ) {}

  async execute(deviceId: DeviceId, running: AppVersion): Promise<UpdateDecision> {
    const record = await this.devices.get(deviceId);
    let fileExists = false;
    // Only a matching row needs the file, so the common "no update" answer touches no disk.
    if (record !== undefined && this.policy.needsFileCheck(record, running)) {
      // A row imported from a seed database may name a path that cannot be in the store.
      fileExists =
        isUpdateFilePath(record.updateFilePath) &&
        (await this.files.stat(record.updateFilePath)) !== undefined;
    }
    return this.policy.decide(record, running, fileExists);
  }
}
