import type { DeviceId } from '../device-id.js';
import { isDeviceId } from '../device-id.js';

/**
 * A rollout's offer names a path of its own for each attempt: `.offer/<attempt id>`. No stored
 * file can have it (a stored path never has a segment starting with a dot), so `GET /files/...`
 * tells the two apart by the prefix alone, and a download of it is tied to its attempt, and so to
 * its device, whatever credential it came with. An attempt id is at most 15 + 1 + 64 characters:
 * the path stays far below the 255 bytes the esp32-fuota application reads.
 */
export const OFFER_PATH_PREFIX = '.offer/';

const ATTEMPT_ID = /^(\d{15})-(.+)$/;

export function offerPathOf(attemptId: string): string {
  return `${OFFER_PATH_PREFIX}${attemptId}`;
}

/** The attempt id and its device of an offer path; undefined when `path` is not one. */
export function parseOfferPath(path: string): { readonly attemptId: string; readonly deviceId: DeviceId } | undefined {
  if (!path.startsWith(OFFER_PATH_PREFIX)) return undefined;
  const attemptId = path.slice(OFFER_PATH_PREFIX.length);
  const match = ATTEMPT_ID.exec(attemptId);
  const deviceId = match?.[2];
  return deviceId !== undefined && isDeviceId(deviceId) ? { attemptId, deviceId } : undefined;
}
