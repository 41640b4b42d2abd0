/**
 * A route parameter with its percent-escapes decoded, as the operator adapter's router decodes
 * its own; undefined for a malformed escape (which the parameter's validation then refuses).
 * Devices send their ids and paths unescaped, and those need no decoding at all.
 */
export function percentDecoded(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
