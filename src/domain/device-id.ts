import { DomainError } from './domain-error.js';

/**
 * A device identifier: 1-64 of `A-Z a-z 0-9 : . _ -` (so a MAC address with colons fits), not
 * only dots: `.` and `..` are path segments, which no URL can name as a device (a browser, the
 * dashboard's, resolves `/devices/..` to `/`).
 */
export type DeviceId = string & { readonly __brand: 'DeviceId' };

/** The rule as a pattern, for the HTTP adapter's schemas and the API description. */
export const DEVICE_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9:._-]{1,64}$/;
export const DEVICE_ID_RULE = 'device id must be 1-64 characters of A-Z a-z 0-9 : . _ -, not only dots';
const DEVICE_ID = DEVICE_ID_PATTERN;

export function isDeviceId(raw: string): raw is DeviceId {
  return DEVICE_ID.test(raw);
}

export function parseDeviceId(raw: string): DeviceId {
  if (!isDeviceId(raw)) {
    throw new DomainError('invalid-device-id', DEVICE_ID_RULE);
  }
  return raw;
}
