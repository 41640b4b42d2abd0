import type { DeviceId } from '../../../domain/device-id.js';
import type { DeviceCredential, DeviceCredentialStore } from '../../../ports/device-credential-store.port.js';

/** Device credentials held in a Map: for tests and throw-away servers. */
export class InMemoryDeviceCredentialStore implements DeviceCredentialStore {
  private readonly credentials = new Map<DeviceId, DeviceCredential>();

  async get(deviceId: DeviceId): Promise<DeviceCredential | undefined> {
    return this.credentials.get(deviceId);
  }

  async *list(): AsyncIterable<DeviceCredential> {
    // Byte order, as SQLite's default BINARY collation sorts the sql.js twin.
    const ids = [...this.credentials.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const id of ids) {
      // Skips one deleted while the caller was between two items.
      const credential = this.credentials.get(id);
      if (credential !== undefined) yield credential;
    }
  }

  async put(credential: DeviceCredential): Promise<void> {
    this.credentials.set(credential.deviceId, credential);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return this.credentials.delete(deviceId);
  }

  async close(): Promise<void> {}
}
