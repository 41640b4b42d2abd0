import type { AppVersion } from '../../../domain/app-version.js';
import { isAppVersion } from '../../../domain/app-version.js';
import { appVersionSchema } from './api-schemas.js';
import { validated } from './edge-validation.js';
import { DomainError } from '../../../domain/domain-error.js';

/**
 * The single `app_ver` of a raw query string. Percent-escapes are decoded but `+` stays a plus:
 * ESP32 clients send the version unescaped, so `1.0+build` must reach the comparison as it is.
 */
export function appVersionFromQuery(querystring: string): AppVersion {
  const text = appVersionText(querystring);
  // The domain's predicate is the schema's very rule: every poll is spared the zod call, and a
  // refused version still gets the schema's message.
  return isAppVersion(text) ? text : validated(appVersionSchema, text, 'invalid-app-version');
}

/** The single `app_ver` value of a raw query string, decoded but not yet checked against the rule. */
export function appVersionText(querystring: string): string {
  // What a device sends, `app_ver=<version>` alone and with nothing to decode, needs no parsing.
  if (querystring.startsWith('app_ver=') && !querystring.includes('&') && !querystring.includes('%')) {
    return querystring.slice('app_ver='.length);
  }
  const values: string[] = [];
  for (const pair of querystring.split('&')) {
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals));
    if (key === 'app_ver') values.push(equals < 0 ? '' : decode(pair.slice(equals + 1)));
  }
  if (values.length !== 1) {
    throw new DomainError(
      'invalid-app-version',
      values.length === 0 ? 'the app_ver query parameter is required' : 'app_ver must be given once',
    );
  }
  return values[0] ?? '';
}

/**
 * `text` with its percent-escapes decoded as the seed's `parse_qs` decodes them: a `%` that
 * starts no escape (`app_ver=100%`, sent unescaped by a device) stays as it is, and bytes that
 * are not UTF-8 become U+FFFD (which the version rule then refuses). Strict decoding refused
 * such a version, a row for which the seed matched (found by a new user).
 */
function decode(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) =>
    Buffer.from(escapes.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}
