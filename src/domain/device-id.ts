import { DomainError } from './domain-error.js';

/** A device identifier: 1-64 of `A-Z a-z 0-9 : . _ -` (so a MAC address with colons fits). */
export type DeviceId = string & { readonly __brand: 'DeviceId' };

const DEVICE_ID = /^[A-Za-z0-9:._-]{1,64}$/;

export function isDeviceId(raw: string): raw is DeviceId {
  return DEVICE_ID.test(raw);
}

export function parseDeviceId(raw: string): DeviceId {
  if (!isDeviceId(raw)) {
    throw new DomainError(
      'invalid-device-id',
      'device id must be 1-64 characters of A-Z a-z 0-9 : . _ -',
    );
  }
  return raw;
}
