/** `"<hex>"`: a strong validator, since equal SHA-256 digests mean equal bytes. */
export function strongEtag(sha256: string): string {
  return `"${sha256}"`;
}

function entityTags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/** If-None-Match (weak comparison, RFC 9110 13.1.2): does the client already hold these bytes? */
export function noneMatchSatisfied(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return entityTags(header).some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}

/**
 * If-Range (RFC 9110 13.1.5): whether a Range may be honoured. An entity tag must match strongly;
 * a date must equal the file's Last-Modified. Otherwise the client's partial copy is of another
 * version, and it gets the whole file.
 */
export function rangeStillValid(header: string | undefined, etag: string, lastModified: Date): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}
