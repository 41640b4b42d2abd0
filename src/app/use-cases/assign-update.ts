import { inject, injectable } from 'inversify';
import type { DeviceAppRecord } from '../../domain/device-app-record.js';
import { createDeviceAppRecord } from '../../domain/device-app-record.js';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';

/**
 * An operator sets a device's row (the seed's `PUT /devices/<id>`). The file need not exist yet:
 * until it is uploaded, the device's check answers "update file missing".
 */
@injectable()
export class AssignUpdate {
  constructor(@inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository) {}

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
    await this.devices.upsert(record);
    return record;
  }
}
