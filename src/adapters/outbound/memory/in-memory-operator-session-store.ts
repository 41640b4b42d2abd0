import type { OperatorSession, OperatorSessionStore } from '../../../ports/operator-session-store.port.js';

/**
 * The dashboard's sessions in a Map: one process's only, so a restart signs everyone out (a
 * browser signs in again). What the embedded database's server uses: no other server can share
 * its data dir, so nobody else needs to know its sessions.
 */
export class InMemoryOperatorSessionStore implements OperatorSessionStore {
  // A Map iterates in insertion order: the first key is the session created first.
  private readonly sessions = new Map<string, OperatorSession>();

  async put(key: string, session: OperatorSession, keepAtMost: number): Promise<void> {
    this.sessions.delete(key);
    this.sessions.set(key, session);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= keepAtMost) break;
      this.sessions.delete(oldest);
    }
  }

  async find(key: string): Promise<OperatorSession | undefined> {
    return this.sessions.get(key);
  }

  async delete(key: string): Promise<boolean> {
    return this.sessions.delete(key);
  }

  async sweep(now: number): Promise<number> {
    let swept = 0;
    for (const [key, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(key);
        swept += 1;
      }
    }
    return swept;
  }

  async close(): Promise<void> {}
}
