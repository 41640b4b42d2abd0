import type { DeviceId } from '../device-id.js';
import { murmurHash3x86, utf8Bytes } from './murmur3.js';
import { hundredths, PERCENT_STEPS } from './percent.js';
import type { RolloutId } from './rollout-id.js';

/**
 * The slot of a device in a rollout, 0-9999: MurmurHash3 (x86, 32-bit, seed 0) of the UTF-8
 * bytes of `rolloutId + "\u0000" + deviceId`, modulo 10,000. The NUL keeps the two apart (ids
 * cannot contain it): ("ab", "c") and ("a", "bc") hash different bytes. Hashing the rollout id
 * with the device id makes each rollout pick other devices first, so one unlucky device is not
 * the canary of every release.
 *
 * 2^32 is not a multiple of 10,000: slots 0-7295 are hit by one more hash value than the others,
 * a bias of 2 in a million, far below anything a wave could show.
 */
export function waveBucket(rolloutId: RolloutId, deviceId: DeviceId): number {
  return murmurHash3x86(utf8Bytes(`${rolloutId}\u0000${deviceId}`)) % PERCENT_STEPS;
}

/**
 * Whether a device in `bucket` is in a wave of `percent`: `bucket < percent x 100`. Waves are
 * cumulative, so a device in a wave stays in every larger one.
 */
export function isInWave(bucket: number, percent: number): boolean {
  return bucket < hundredths(percent);
}
