/**
 * What a PostgreSQL URL may be shown as. Apart from the adapter (which loads node-postgres) so
 * that a server on the embedded defaults can describe its storage without loading it.
 */

function safelyDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `host:port/database` (or the socket directory), without the user's password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // node-postgres takes `?host=` (a socket's directory) over the URL's host.
    const host = parsed.searchParams.get('host') || decodeURIComponent(parsed.hostname) || 'localhost';
    const port = parsed.port === '' ? '' : `:${parsed.port}`;
    return `${host}${port}${decodeURIComponent(parsed.pathname) || '/'}`;
  } catch {
    // A form node-postgres reads but URL does not (`postgres://user@/db?host=/socket`). The
    // user's part runs to the last `@` before the query: node-postgres reads a raw `@` (or `/`)
    // in such a password, and none of it may be shown.
    const [beforeQuery = '', query = ''] = url.replace(/#.*$/, '').split('?', 2);
    const rest = beforeQuery.replace(/^[a-z]+:\/\//i, '').replace(/^.*@/, '');
    const socket = /(?:^|&)host=([^&]*)/.exec(query)?.[1];
    if (socket === undefined || socket === '') return rest;
    return `${safelyDecoded(socket)}${rest.replace(/^[^/]*/, '')}`;
  }
}
