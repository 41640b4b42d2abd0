/** A signed-in operator, as the dashboard's session cookie names it. */
export interface OperatorSession {
  readonly username: string;
  /** Echoed by the page in `X-CSRF-Token` on every request that changes something. */
  readonly csrfToken: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms, fixed at sign-in. */
  readonly expiresAt: number;
}

/**
 * Where the dashboard's sign-ins are kept, each under the digest of its cookie's token (never
 * the token itself, so what is stored is no credential). In memory for one process, or in the
 * shared database, so that every server on it knows a browser signed in on any of them. The
 * rules (expiry, the bound, making tokens) are the caller's (OperatorSessions); a store keeps,
 * finds and forgets. Every write resolves once it is durable (for a store that keeps anything
 * beyond the process).
 */
export interface OperatorSessionStore {
  /**
   * Stores `session` under `key`; then, when more than `keepAtMost` are stored, the ones created
   * first give way (the bound that keeps the store finite whatever happens).
   */
  put(key: string, session: OperatorSession, keepAtMost: number): Promise<void>;
  /** The session stored under `key` (expired or not: the caller judges), or undefined. */
  find(key: string): Promise<OperatorSession | undefined>;
  /** Forgets the session under `key`; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Forgets every session whose expiry is at or before `now` (epoch ms); resolves to how many. */
  sweep(now: number): Promise<number>;
  close(): Promise<void>;
}

export const OPERATOR_SESSION_STORE = Symbol.for('fuota.OperatorSessionStore');
