import { murmurHash3x86, utf8Bytes } from '../../../domain/rollout/murmur3.js';
import type { RolloutLockRelease, RolloutLocks } from '../../../ports/rollout-locks.port.js';
import { InProcessRolloutLocks, inLockOrder } from '../memory/in-process-rollout-locks.js';
import type { PostgresDatabase } from './postgres-database.js';

/** The advisory locks' first key: the bytes "rlck", so that fuota's rollout locks share no key with anything else's. */
const LOCK_SPACE = 0x726c636b;

/**
 * Rollout locks for servers sharing one PostgreSQL database: transaction-level advisory locks
 * (`pg_advisory_xact_lock(space, hash of the id)`), held by a transaction kept open until the
 * release, so that a server that dies or loses its connection gives them up with it. Within a
 * process, holders queue first (InProcessRolloutLocks): a process holds at most one connection
 * per rollout for its locks, and the pool is never filled with waiters. Two rollout ids with the
 * same 32-bit hash share a lock, which costs some waiting and nothing else.
 */
export class PostgresRolloutLocks implements RolloutLocks {
  readonly shared = true;
  private readonly local = new InProcessRolloutLocks();

  constructor(private readonly database: PostgresDatabase) {}

  async lock(rolloutIds: readonly string[]): Promise<RolloutLockRelease> {
    const ids = inLockOrder(rolloutIds);
    const releaseLocal = await this.local.lock(ids);
    let releaseDatabase!: () => void;
    const releasing = new Promise<void>((resolve) => (releaseDatabase = resolve));
    let acquired!: () => void;
    const held = new Promise<void>((resolve) => (acquired = resolve));
    const transaction = this.database.transaction(async (client) => {
      for (const id of ids) {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, murmurHash3x86(utf8Bytes(id)) | 0]);
      }
      acquired();
      await releasing;
    });
    try {
      await Promise.race([held, transaction]);
    } catch (error) {
      await releaseLocal();
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      releaseDatabase();
      // The commit gives the locks up; a connection lost meanwhile gave them up already.
      await transaction.catch(() => undefined);
      await releaseLocal();
    };
  }
}
