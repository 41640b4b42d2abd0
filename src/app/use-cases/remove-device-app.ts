import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import { DEVICE_APP_REPOSITORY } from '../../ports/device-app-repository.port.js';

/** An operator deletes a device's row; the update file stays in the store. */
@injectable()
export class RemoveDeviceApp {
  constructor(@inject(DEVICE_APP_REPOSITORY) private readonly devices: DeviceAppRepository) {}

  async execute(deviceId: DeviceId): Promise<void> {
    if (!(await this.devices.delete(deviceId))) {
      throw new DomainError('device-not-found', `no row for device ${deviceId}`);
    }
  }
}
