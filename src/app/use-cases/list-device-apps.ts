import { inject, injectable } from 'inversify';
import type { DeviceAppRecord } from '../../domain/device-app-record.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';

/** An operator lists every device row, in device-id order. */
@injectable()
export class ListDeviceApps {
  constructor(@inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository) {}

  execute(): AsyncIterable<DeviceAppRecord> {
    return this.devices.list();
  }

  /** One device's row, if it has one. */
  one(deviceId: DeviceId): Promise<DeviceAppRecord | undefined> {
    return this.devices.get(deviceId);
  }
}
