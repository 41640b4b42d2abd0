import type { SecretDigest } from '../../ports/secret-digest.port.js';
import type { SecretGenerator } from '../../ports/secret-generator.port.js';

/** A signed-in operator, as the dashboard's session cookie names it. */
export interface OperatorSession {
  readonly username: string;
  /** Echoed by the page in `X-CSRF-Token` on every request that changes something. */
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A new session and the token its cookie carries (given out once, never kept). */
export interface OpenedSession {
  readonly token: string;
  readonly session: OperatorSession;
}

/** How long a session lasts from sign-in, whatever is done with it. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
// Sessions are made only by a right operator credential; the bound keeps memory finite anyway.
const MAX_SESSIONS = 10_000;

/**
 * The dashboard's sign-ins, in memory: a restart signs everyone out, which a browser survives by
 * signing in again. Only a digest of each token is kept, so the map's keys are no credential.
 * A session ends at its expiry (fixed at sign-in: no sliding, so a stolen cookie does not live
 * on by being used) or at sign-out.
 */
export class OperatorSessions {
  private readonly sessions = new Map<string, OperatorSession>();

  constructor(
    private readonly secrets: SecretGenerator,
    private readonly digests: SecretDigest,
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs: number = SESSION_LIFETIME_MS,
  ) {}

  open(username: string): OpenedSession {
    const token = this.secrets.newSecret() + this.secrets.newSecret();
    const createdAt = this.now();
    const session: OperatorSession = {
      username,
      csrfToken: this.secrets.newSecret(),
      createdAt,
      expiresAt: createdAt + this.lifetimeMs,
    };
    this.sweep();
    // Past the bound, the oldest session gives way (a Map iterates in insertion order).
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (oldest.done !== true) this.sessions.delete(oldest.value);
    }
    this.sessions.set(this.digests.key(token), session);
    return { token, session };
  }

  /** The live session a cookie's token names, or undefined (unknown, ended or expired). */
  find(token: string): OperatorSession | undefined {
    const key = this.digests.key(token);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends the session (sign-out); true when there was one. */
  close(token: string): boolean {
    return this.sessions.delete(this.digests.key(token));
  }

  /** Whether `offered` is the session's CSRF token, compared in constant time. */
  csrfMatches(session: OperatorSession, offered: string | undefined): boolean {
    if (offered === undefined) return false;
    return this.digests.equal(this.digests.digest(session.csrfToken), this.digests.digest(offered));
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}
