import type { DeviceId } from '../device-id.js';

/** Offer times fit 15 decimal digits until the year 33658. */
const TIME_DIGITS = 15;
const MAX_TIME = 10 ** TIME_DIGITS - 1;

/**
 * An attempt's id: the offer time (epoch ms) as 15 zero-padded digits, `-`, the device id. A
 * device is offered at most one file per millisecond, so the id is unique; the fixed-width time
 * first makes plain string order the offer order (stores can sort and page by id alone), and
 * ties within one millisecond fall back to the device id, still a total order.
 */
export function attemptId(at: number, deviceId: DeviceId): string {
  if (!Number.isSafeInteger(at) || at < 0 || at > MAX_TIME) {
    // A clock reading no store could have produced: a bug, not a client's mistake.
    throw new RangeError(`offer time must be an integer from 0 to ${MAX_TIME}, got ${at}`);
  }
  return `${String(at).padStart(TIME_DIGITS, '0')}-${deviceId}`;
}
