import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import { DEVICE_CREDENTIAL_STORE } from '../../ports/device-credential-store.port.js';

/** Whether a device has its own credential, and since when (never the secret or its hash). */
@injectable()
export class DeviceCredentialStatus {
  constructor(@inject(DEVICE_CREDENTIAL_STORE) private readonly credentials: DeviceCredentialStore) {}

  async execute(deviceId: DeviceId): Promise<{ deviceId: DeviceId; createdAt: string }> {
    const credential = await this.credentials.get(deviceId);
    if (credential === undefined)
      throw new DomainError('credential-not-found', `device ${deviceId} has no credential of its own`);
    return { deviceId, createdAt: credential.createdAt };
  }
}
