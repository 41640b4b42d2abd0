import { inject, injectable } from 'inversify';
import type { DeviceId } from '../../domain/device-id.js';
import type { DeviceCredentialStore } from '../../ports/device-credential-store.port.js';
import { DEVICE_CREDENTIAL_STORE } from '../../ports/device-credential-store.port.js';
import type { PasswordHasher } from '../../ports/password-hasher.port.js';
import { PASSWORD_HASHER } from '../../ports/password-hasher.port.js';
import type { SecretGenerator } from '../../ports/secret-generator.port.js';
import { SECRET_GENERATOR } from '../../ports/secret-generator.port.js';

/** A credential as handed to the operator once: the secret is not stored and cannot be shown again. */
export interface ProvisionedDeviceCredential {
  readonly deviceId: DeviceId;
  readonly username: DeviceId;
  readonly password: string;
  readonly createdAt: string;
}

/** An operator gives a device its own credential, replacing any earlier one (rotation). */
@injectable()
export class ProvisionDeviceCredential {
  constructor(
    @inject(DEVICE_CREDENTIAL_STORE) private readonly credentials: DeviceCredentialStore,
    @inject(PASSWORD_HASHER) private readonly passwords: PasswordHasher,
    @inject(SECRET_GENERATOR) private readonly secrets: SecretGenerator,
  ) {}

  async execute(deviceId: DeviceId): Promise<ProvisionedDeviceCredential> {
    const password = this.secrets.newSecret();
    const createdAt = new Date().toISOString();
    await this.credentials.put({ deviceId, secretHash: await this.passwords.hash(password), createdAt });
    return { deviceId, username: deviceId, password, createdAt };
  }
}
