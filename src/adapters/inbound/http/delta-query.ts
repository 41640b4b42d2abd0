import type { DeltaFormatId } from '../../../domain/delta/delta-format.js';
import { isDeltaFormatId } from '../../../domain/delta/delta-format.js';
import { DomainError } from '../../../domain/domain-error.js';

/** What a device that applies patches says in its check: the format it decodes and the image it runs. */
export interface DeltaRequest {
  readonly format: DeltaFormatId;
  /** Its running image's SHA-256 (the image's appended digest), lowercase hex. */
  readonly baseImageSha256: string;
}

/** A SHA-256 digest in hex, either case: what `base` must be. */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The `delta=<format>&base=<64 hex>` of a device check's raw query string (as app-version-query.ts
 * reads `app_ver`: percent-escapes decoded, `+` kept). Undefined when the check asks for no patch
 * (no `delta`: today's answer, whatever else the query holds) or names a format this server does
 * not make: such a device must still get its update, as the full image. A `delta` without a
 * `base`, a `base` that is not a SHA-256 in hex, or either given twice is a 400 `invalid-query`.
 */
export function deltaRequestFromQuery(querystring: string): DeltaRequest | undefined {
  // Every check of a device that asks for no patch (the esp32-fuota application's) stops here.
  if (!querystring.includes('delta')) return undefined;
  const deltas: string[] = [];
  const bases: string[] = [];
  for (const pair of querystring.split('&')) {
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = () => (equals < 0 ? '' : decode(pair.slice(equals + 1)));
    if (key === 'delta') deltas.push(value());
    else if (key === 'base') bases.push(value());
  }
  if (deltas.length === 0) return undefined;
  if (deltas.length > 1) throw new DomainError('invalid-query', 'delta must be given once');
  if (bases.length !== 1) {
    throw new DomainError(
      'invalid-query',
      bases.length === 0 ? 'delta needs base, the SHA-256 of the running image in hex' : 'base must be given once',
    );
  }
  const [format = '', base = ''] = [deltas[0], bases[0]];
  if (!SHA256_HEX.test(base)) throw new DomainError('invalid-query', 'base must be a SHA-256 digest: 64 hex digits');
  return isDeltaFormatId(format) ? { format, baseImageSha256: base.toLowerCase() } : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DomainError('invalid-query', 'the query string has a malformed percent-escape');
  }
}
