import { ApiError, apiErrorOf } from './api-error.js';
import type { Session } from './session-state.js';
import { currentSession, setSession } from './session-state.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface RequestOptions {
  readonly method?: string;
  /** Sent as JSON (Content-Type application/json). */
  readonly json?: unknown;
  /** Sent as is, with its own content type. */
  readonly body?: BodyInit;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** The headers every request of the page sends: the CSRF token on those that change state. */
export function requestHeaders(method: string, contentType?: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  const session = currentSession();
  if (!SAFE_METHODS.has(method) && session !== null) headers['X-CSRF-Token'] = session.csrfToken;
  return headers;
}

/**
 * A request to fuota's own API (same origin, the session cookie goes along). A 2xx answer's
 * JSON body is returned (undefined for an empty one); anything else throws an ApiError. An
 * answer saying the session is gone signs the page out, which shows the login page.
 */
export async function api<T>(path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const method = options.method ?? 'GET';
  const contentType = options.json !== undefined ? 'application/json' : options.contentType;
  const response = await fetch(path, {
    method,
    headers: requestHeaders(method, contentType),
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (!response.ok) {
    const error = await apiErrorOf(response);
    if (isSessionGone(error)) setSession(null, 'ended');
    if (error.code === 'csrf-token-mismatch' && !retried && (await renewedAsSameOperator())) {
      return api<T>(path, options, true);
    }
    throw error;
  }
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * After a 403 csrf-token-mismatch: signed in again in another tab, the cookie is the new
 * session's and this page's token the old one's. The page takes the session the cookie names (as
 * after a reload); true when that is the same operator's, and the change may be asked once more
 * (signed in as another, this page's change is not theirs to make).
 */
export async function renewedAsSameOperator(): Promise<boolean> {
  const before = currentSession()?.username;
  const renewed = await api<Session>('/api/v1/session', {}, true);
  setSession(renewed);
  return renewed.username === before;
}

/** A refusal that means the page is no longer signed in (expired, signed out elsewhere). */
export function isSessionGone(error: ApiError): boolean {
  return error.code === 'unauthenticated' || error.code === 'session-expired';
}

/** The path of an API resource with its parameters escaped: ids and file paths are any text. */
export function pathOf(...segments: readonly string[]): string {
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}

/** A query string from the parameters that have a value. */
export function queryOf(params: Record<string, string | number | boolean | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

export { ApiError };
