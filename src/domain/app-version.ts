import { DomainError } from './domain-error.js';

/**
 * The application version a device runs, as ESP-IDF's `esp_app_desc_t.version` holds it:
 * 1-31 printable ASCII characters. `"` is excluded because the seed's CSV format cannot carry it.
 */
export type AppVersion = string & { readonly __brand: 'AppVersion' };

/** The rule as a pattern, for the HTTP adapter's schemas and the API description. */
export const APP_VERSION_PATTERN = /^[\x20\x21\x23-\x7E]{1,31}$/;
export const APP_VERSION_RULE = 'app version must be 1-31 printable ASCII characters without a double quote';
const APP_VERSION = APP_VERSION_PATTERN;

export function isAppVersion(raw: string): raw is AppVersion {
  return APP_VERSION.test(raw);
}

export function parseAppVersion(raw: string): AppVersion {
  if (!isAppVersion(raw)) {
    throw new DomainError('invalid-app-version', APP_VERSION_RULE);
  }
  return raw;
}
