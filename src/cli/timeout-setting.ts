import { CliFailure, EXIT } from './exit-codes.js';

/** How long a request may go without a byte either way before the command gives up, by default. */
export const DEFAULT_TIMEOUT_SECONDS = 60;
/** The longest wait a timer takes (2^31 - 1 ms, about 24 days), in whole seconds. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The inactivity timeout in milliseconds from `--timeout` or FUOTA_TIMEOUT (seconds; 0 waits
 * for ever), undefined for none. Without one, a server that took the connection and never
 * answered held the command for ever (a new user's try).
 */
export function timeoutMs(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(seconds <= MAX_TIMEOUT_SECONDS)) {
    throw new CliFailure(
      `--timeout/FUOTA_TIMEOUT: ${JSON.stringify(raw)} is not a number of seconds from 0 (no timeout) to ${MAX_TIMEOUT_SECONDS}`,
      EXIT.usage,
    );
  }
  return seconds === 0 ? undefined : Math.max(1, Math.round(seconds * 1000));
}
