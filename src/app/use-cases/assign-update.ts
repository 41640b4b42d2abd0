import { inject, injectable } from 'inversify';
import type { DeviceAppRecord } from '../../domain/device-app-record.js';
import { createDeviceAppRecord } from '../../domain/device-app-record.js';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';
import { UpdateFileDescriber } from '../firmware/update-file-describer.js';
import { UpdateFileLocks } from '../firmware/update-file-locks.js';

/**
 * An operator sets a device's row (the seed's `PUT /devices/<id>`). The file need not exist yet:
 * until it is uploaded, the device's check answers "update file missing". A row whose file is an
 * image of the very version it updates from is refused: the device would reinstall it forever.
 */
@injectable()
export class AssignUpdate {
  constructor(
    @inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository,
    @inject(UpdateFileDescriber) private readonly describer: UpdateFileDescriber,
    // The file is checked, then the row written, with no upload of that file in between.
    @inject(UpdateFileLocks) private readonly locks: UpdateFileLocks,
  ) {}

  async execute(
    deviceId: DeviceId,
    fields: { deviceId: string; appVersion: string; updateFilePath: string },
  ): Promise<DeviceAppRecord> {
    const record = createDeviceAppRecord(fields);
    if (record.deviceId !== deviceId) {
      throw new DomainError(
        'record-id-mismatch',
        `the record is for device ${record.deviceId} but the URL names device ${deviceId}`,
      );
    }
    return this.locks.run(record.updateFilePath, async () => {
      const file = await this.describer.describeLocked(record.updateFilePath);
      if (file?.image !== undefined && file.image.version === record.appVersion) {
        throw new DomainError(
          'reinstall-loop',
          `${record.updateFilePath} is version ${file.image.version}, the version the device would update from: ` +
            'it would install the same version again after every check',
        );
      }
      await this.devices.upsert(record);
      return record;
    });
  }
}
