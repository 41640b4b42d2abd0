import { murmurHash3x86, utf8Bytes } from '../../../domain/rollout/murmur3.js';
import type { RolloutLockRelease, RolloutLocks } from '../../../ports/rollout-locks.port.js';
import type { PostgresDatabase } from './postgres-database.js';

/** The advisory locks' first key: the bytes "rlck", so that fuota's rollout locks share no key with anything else's. */
const LOCK_SPACE = 0x726c636b;
/**
 * Locks one server holds at most at once: each keeps a pooled connection in a transaction while
 * its holder's check reads the load and writes its attempt (a few more connections), so the pool
 * (10 by default) never runs dry for them.
 */
export const MAX_HELD_LOCKS = 2;

/**
 * Rollout locks for servers sharing one PostgreSQL database: transaction-level advisory locks
 * (`pg_try_advisory_xact_lock(space, hash of the id)`), held by a transaction kept open until the
 * release, so that a server that dies or loses its connection gives them up with it. Tried, never
 * waited for (see RolloutLocks). Two rollout ids with the same 32-bit hash share a lock, which
 * costs some refusals and nothing else.
 */
export class PostgresRolloutLocks implements RolloutLocks {
  readonly shared = true;
  /** Rollouts locked by this server (also in PostgreSQL): another check of this server does not even ask. */
  private readonly held = new Set<string>();
  private holders = 0;

  constructor(private readonly database: PostgresDatabase) {}

  async tryLock(rolloutIds: readonly string[]): Promise<RolloutLockRelease | undefined> {
    const ids = [...new Set(rolloutIds)];
    if (this.holders >= MAX_HELD_LOCKS || ids.some((id) => this.held.has(id))) return undefined;
    this.holders += 1;
    for (const id of ids) this.held.add(id);
    const releaseHere = () => {
      this.holders -= 1;
      for (const id of ids) this.held.delete(id);
    };
    let releaseDatabase!: () => void;
    const releasing = new Promise<void>((resolve) => (releaseDatabase = resolve));
    let settled!: (got: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settled = resolve));
    const transaction = this.database.transaction(async (client) => {
      for (const id of ids) {
        const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS got', [
          LOCK_SPACE,
          murmurHash3x86(utf8Bytes(id)) | 0,
        ]);
        if (rows[0]?.got !== true) {
          settled(false);
          return; // the commit gives up those taken
        }
      }
      settled(true);
      await releasing;
    });
    let got: boolean;
    try {
      got = await Promise.race([outcome, transaction.then(() => false)]);
    } catch (error) {
      releaseHere();
      throw error;
    }
    if (!got) {
      await transaction.catch(() => undefined);
      releaseHere();
      return undefined;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      releaseDatabase();
      // The commit gives the locks up; a connection lost meanwhile gave them up already.
      await transaction.catch(() => undefined);
      releaseHere();
    };
  }
}
