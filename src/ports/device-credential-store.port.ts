import type { DeviceId } from '../domain/device-id.js';

/** A device's own credential: its secret only as a slow hash, never in clear. */
export interface DeviceCredential {
  readonly deviceId: DeviceId;
  /** `scrypt$N$r$p$salt$hash` (see the PasswordHasher port). */
  readonly secretHash: string;
  /** ISO 8601, when it was provisioned. */
  readonly createdAt: string;
}

/** Per-device credentials by device id. Writes are durable once they resolve. */
export interface DeviceCredentialStore {
  get(deviceId: DeviceId): Promise<DeviceCredential | undefined>;
  /** Every credential in ascending byte order of device id, produced in pages so that memory stays flat. */
  list(): AsyncIterable<DeviceCredential>;
  /** Records a credential, replacing the device's previous one (rotation). */
  put(credential: DeviceCredential): Promise<void>;
  /** False when the device had no credential. */
  delete(deviceId: DeviceId): Promise<boolean>;
  close(): Promise<void>;
}

export const DEVICE_CREDENTIAL_STORE = Symbol.for('fuota.DeviceCredentialStore');
