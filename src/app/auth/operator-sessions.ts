import type { OperatorSession, OperatorSessionStore } from '../../ports/operator-session-store.port.js';
import type { SecretDigest } from '../../ports/secret-digest.port.js';
import type { SecretGenerator } from '../../ports/secret-generator.port.js';

export type { OperatorSession } from '../../ports/operator-session-store.port.js';

/** A new session and the token its cookie carries (given out once, never kept). */
export interface OpenedSession {
  readonly token: string;
  readonly session: OperatorSession;
}

/** How long a session lasts from sign-in, whatever is done with it. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
// Sessions are made only by a right operator credential; the bound keeps the store finite anyway.
export const MAX_SESSIONS = 10_000;

/**
 * The dashboard's sign-ins, kept in an OperatorSessionStore: in this process's memory with the
 * embedded database (a restart signs everyone out, which a browser survives by signing in
 * again), in the shared database otherwise (every server knows every sign-in). Only a digest of
 * each token is stored, so the store's keys are no credential. A session ends at its expiry
 * (fixed at sign-in: no sliding, so a stolen cookie does not live on by being used) or at
 * sign-out. Past the bound, the sessions created first give way.
 */
export interface OperatorSessionOptions {
  /**
   * The operator credentials in force (Authenticator.operatorCredentials): part of each session's
   * key, so that a session signed in before one of them changed is not found after (rotating a
   * leaked password must shut out whoever signed in with it; found by a review).
   */
  readonly credentials?: string | undefined;
  readonly now?: () => number;
  readonly lifetimeMs?: number;
  readonly maxSessions?: number;
}

export class OperatorSessions {
  private readonly credentials: string;
  private readonly now: () => number;
  private readonly lifetimeMs: number;
  private readonly maxSessions: number;

  constructor(
    private readonly store: OperatorSessionStore,
    private readonly secrets: SecretGenerator,
    private readonly digests: SecretDigest,
    options: OperatorSessionOptions = {},
  ) {
    this.credentials = options.credentials ?? '';
    this.now = options.now ?? Date.now;
    this.lifetimeMs = options.lifetimeMs ?? SESSION_LIFETIME_MS;
    this.maxSessions = options.maxSessions ?? MAX_SESSIONS;
  }

  async open(username: string): Promise<OpenedSession> {
    const token = this.secrets.newSecret() + this.secrets.newSecret();
    const createdAt = this.now();
    const session: OperatorSession = {
      username,
      csrfToken: this.secrets.newSecret(),
      createdAt,
      expiresAt: createdAt + this.lifetimeMs,
    };
    await this.store.sweep(createdAt);
    await this.store.put(this.keyOf(token), session, this.maxSessions);
    return { token, session };
  }

  /** The live session a cookie's token names, or undefined (unknown, ended or expired). */
  async find(token: string): Promise<OperatorSession | undefined> {
    const key = this.keyOf(token);
    const session = await this.store.find(key);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      await this.store.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends the session (sign-out); true when there was one. */
  close(token: string): Promise<boolean> {
    return this.store.delete(this.keyOf(token));
  }

  /** The store's key of a token: its digest, under the credentials in force. */
  private keyOf(token: string): string {
    return this.digests.key(this.credentials === '' ? token : `${token}\0${this.credentials}`);
  }

  /** Whether `offered` is the session's CSRF token, compared in constant time. */
  csrfMatches(session: OperatorSession, offered: string | undefined): boolean {
    if (offered === undefined) return false;
    return this.digests.equal(this.digests.digest(session.csrfToken), this.digests.digest(offered));
  }
}
