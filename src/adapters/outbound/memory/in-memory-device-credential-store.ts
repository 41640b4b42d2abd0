import type { DeviceId } from '../../../domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../../ports/device-credential-store.port.js';

/** Device credentials held in a Map: for tests and throw-away servers. */
export class InMemoryDeviceCredentialStore implements DeviceCredentialStore {
  private readonly credentials = new Map<DeviceId, DeviceCredential>();

  async get(deviceId: DeviceId): Promise<DeviceCredential | undefined> {
    return this.credentials.get(deviceId);
  }

  async put(credential: DeviceCredential): Promise<void> {
    this.credentials.set(credential.deviceId, credential);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return this.credentials.delete(deviceId);
  }

  async close(): Promise<void> {}
}
