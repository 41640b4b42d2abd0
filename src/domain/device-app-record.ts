import type { AppVersion } from './app-version.js';
import { parseAppVersion } from './app-version.js';
import type { DeviceId } from './device-id.js';
import { parseDeviceId } from './device-id.js';
import type { UpdateFilePath } from './update-file-path.js';
import { parseUpdateFilePath } from './update-file-path.js';

/**
 * One row of the seed's `device_app` table: a device running `appVersion` is offered the file at
 * `updateFilePath`. Any other version gets "no update".
 */
export interface DeviceAppRecord {
  readonly deviceId: DeviceId;
  readonly appVersion: AppVersion;
  readonly updateFilePath: UpdateFilePath;
}

/** Builds a record from untrusted text, failing with the first invalid field's error. */
export function createDeviceAppRecord(fields: {
  deviceId: string;
  appVersion: string;
  updateFilePath: string;
}): DeviceAppRecord {
  return {
    deviceId: parseDeviceId(fields.deviceId),
    appVersion: parseAppVersion(fields.appVersion),
    updateFilePath: parseUpdateFilePath(fields.updateFilePath),
  };
}
