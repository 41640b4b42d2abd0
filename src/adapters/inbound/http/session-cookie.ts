import type { IncomingMessage } from 'node:http';

/**
 * The dashboard's session cookie. The `__Host-` prefix makes browsers refuse it unless it is
 * Secure, for Path=/ and without Domain: no other site (a sibling subdomain) can plant one that
 * shadows it.
 */
export const SESSION_COOKIE = '__Host-fuota_session';

// A token is the session registry's: base64url characters only.
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

const MAX_SESSION_TOKENS = 2;

/**
 * The session tokens a request's `Cookie` header carries: the first well-formed values of the
 * session cookie, at most two (a browser may send several of one name; malformed ones are no
 * token at all).
 */
export function sessionTokensOf(req: IncomingMessage): string[] {
  const header = req.headers.cookie;
  if (header === undefined) return [];
  const tokens: string[] = [];
  for (const pair of header.split(';')) {
    // Each token is looked up in the session store: a header of hundreds made one request cost
    // as many queries (found by a review). A browser sends one (two while a cookie is replaced).
    if (tokens.length === MAX_SESSION_TOKENS) break;
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(equals + 1).trim();
    if (TOKEN.test(value)) tokens.push(value);
  }
  return tokens;
}

/**
 * The cookie that carries a session: unreadable by scripts (HttpOnly), sent only over HTTPS
 * (Secure), never with a request another site starts (SameSite=Strict), for the whole server's
 * API (Path=/), and gone at the session's end (Max-Age).
 */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;
}

/** Tells the browser to forget the session cookie (sign-out, or a session that has ended). */
export function clearedSessionCookie(): string {
  return sessionCookie('', 0);
}
