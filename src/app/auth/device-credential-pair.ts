import type { DeviceId } from '../../domain/device-id.js';
import { isDeviceId } from '../../domain/device-id.js';

// A provisioned device secret: 24 random bytes as base64url (ProvisionDeviceCredential), so 32
// characters and never ':'. The device-credential tests authenticate with provisioned secrets,
// so the two cannot drift apart unnoticed.
const DEVICE_SECRET = /^[A-Za-z0-9_-]{32}$/;

/**
 * The device credential a Basic pair is, if it can be one: `<device id>:<secret>`. Basic splits
 * `user:password` at the first colon, but a device id may hold colons (`24:0A:C4:00:01:02`,
 * `site:lamp-1`) and a provisioned secret never does, so the pair splits at its last colon. Only
 * a tail shaped like a provisioned secret makes it one: nothing else could ever verify as a
 * device's credential, and a configured credential's password with colons in it (`pa:ss:word`)
 * is then never cut into a device id, which would put a piece of it into the log.
 *
 * The one rule for both verifying a device credential and naming whom a failed pair claimed
 * (failures are counted per user name), so the two can never disagree.
 */
export function deviceCredentialPair(
  username: string,
  password: string,
): { readonly deviceId: DeviceId; readonly secret: string } | undefined {
  const pair = `${username}:${password}`;
  const colon = pair.lastIndexOf(':');
  const deviceId = pair.slice(0, colon);
  const secret = pair.slice(colon + 1);
  return isDeviceId(deviceId) && DEVICE_SECRET.test(secret) ? { deviceId, secret } : undefined;
}
