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

let current: Session | null = null;
const listeners = new Set<(session: Session | null) => void>();

export function currentSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  for (const listener of listeners) listener(session);
}

/** Called with the new session (or null after sign-out or expiry); returns the unsubscribe. */
export function onSessionChange(listener: (session: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
