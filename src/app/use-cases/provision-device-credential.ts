import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import { DEVICE_CREDENTIAL_STORE } from '../../ports/device-credential-store.port.js';
import { hashPassword } from '../auth/password-hash.js';

/** A credential as handed to the operator once: the secret is not stored and cannot be shown again. */
export interface ProvisionedDeviceCredential {
  readonly deviceId: DeviceId;
  readonly username: DeviceId;
  readonly password: string;
  readonly createdAt: string;
}

// 192 random bits as base64url: 32 characters with no ':' (Basic auth) and nothing to escape.
const SECRET_BYTES = 24;

/** An operator gives a device its own credential, replacing any earlier one (rotation). */
@injectable()
export class ProvisionDeviceCredential {
  constructor(@inject(DEVICE_CREDENTIAL_STORE) private readonly credentials: DeviceCredentialStore) {}

  async execute(deviceId: DeviceId): Promise<ProvisionedDeviceCredential> {
    const password = randomBytes(SECRET_BYTES).toString('base64url');
    const createdAt = new Date().toISOString();
    await this.credentials.put({ deviceId, secretHash: await hashPassword(password), createdAt });
    return { deviceId, username: deviceId, password, createdAt };
  }
}
