/**
 * The signed-in session as the page knows it. The session itself is an HttpOnly cookie the page
 * cannot read; what the page keeps (in memory only, never in storage) is the token that every
 * state-changing request must echo in `X-CSRF-Token`, which a page on another site cannot learn.
 */
export interface Session {
  readonly username: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/**
 * Why a session ended: `signed-out` by the Sign out button; `ended` when the server refused the
 * session (it expired, or the server restarted and forgot it).
 */
export type SessionEnd = 'signed-out' | 'ended';

type Listener = (session: Session | null, reason: SessionEnd) => void;

let current: Session | null = null;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  return current;
}

/** `reason` says why a null session ended (ignored for a session). */
export function setSession(session: Session | null, reason: SessionEnd = 'signed-out'): void {
  current = session;
  for (const listener of listeners) listener(session, reason);
}

/**
 * Called with the new session (or null after sign-out or expiry, with why); returns the
 * unsubscribe.
 */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
