import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import { DEVICE_CREDENTIAL_STORE } from '../../ports/device-credential-store.port.js';

/** An operator revokes a device's own credential: its next request is refused. */
@injectable()
export class RevokeDeviceCredential {
  constructor(@inject(DEVICE_CREDENTIAL_STORE) private readonly credentials: DeviceCredentialStore) {}

  async execute(deviceId: DeviceId): Promise<void> {
    if (!(await this.credentials.delete(deviceId))) {
      throw new DomainError('credential-not-found', `device ${deviceId} has no credential of its own`);
    }
  }
}
