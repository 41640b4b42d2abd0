import { expect } from 'chai';
import { InProcessRolloutLocks } from '../../src/adapters/outbound/memory/in-process-rollout-locks.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { MAX_HELD_LOCKS, PostgresRolloutLocks } from '../../src/adapters/outbound/postgres/postgres-rollout-locks.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { rolloutLocksContract } from './rollout-locks.contract.js';

describe('rollout locks', () => {
  rolloutLocksContract('in process', async () => {
    const locks = new InProcessRolloutLocks();
    return { first: locks, second: locks, close: async () => {} };
  });

  describe('PostgreSQL advisory locks', () => {
    it('holds at most MAX_HELD_LOCKS at once in one server, so that its pool never runs dry', async () => {
      const pool = await PostgresDatabase.open(database.current().url, { poolSize: 4 });
      try {
        const locks = new PostgresRolloutLocks(pool);
        const held = [];
        for (let n = 0; n < MAX_HELD_LOCKS; n += 1) held.push(await locks.tryLock([`r${n}`]));
        expect(await locks.tryLock(['another'])).to.equal(undefined);
        // The pool still answers.
        expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).to.equal(1);
        for (const release of held) await release?.();
        const another = await locks.tryLock(['another']);
        expect(another).to.be.a('function');
        await another?.();
      } finally {
        await pool.close();
      }
    });

    const database = usePostgresDatabase();

    /** Two servers' locks, each with its own pool, as two processes have. */
    async function twoServers() {
      const url = database.current().url;
      const pools = [
        await PostgresDatabase.open(url, { poolSize: 3 }),
        await PostgresDatabase.open(url, { poolSize: 3 }),
      ];
      return {
        first: new PostgresRolloutLocks(pools[0]!),
        second: new PostgresRolloutLocks(pools[1]!),
        close: async () => {
          await Promise.all(pools.map((pool) => pool.close()));
        },
      };
    }

    rolloutLocksContract('PostgreSQL', twoServers);

    it("gives up a server's locks when its connection goes away (a server that dies holds nothing)", async function () {
      this.timeout(20_000);
      const url = database.current().url;
      const dying = await PostgresDatabase.open(url, { poolSize: 2 });
      const living = await PostgresDatabase.open(url, { poolSize: 2 });
      let releaseDying: (() => Promise<void>) | undefined;
      try {
        releaseDying = await new PostgresRolloutLocks(dying).tryLock(['r1']);
        const living1 = new PostgresRolloutLocks(living);
        expect(await living1.tryLock(['r1'])).to.equal(undefined);
        // The holder's session is ended from outside, as a killed process's would be. Without
        // the timeout argument pg_terminate_backend only signals the backend and returns: on a
        // busy machine the lock was then still held at the next line.
        await living.query(
          'SELECT pg_terminate_backend(pid, 10000) FROM pg_locks ' +
            "WHERE locktype = 'advisory' AND granted AND classid = $1 " +
            'AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
          [0x726c636b],
        );
        const release = await living1.tryLock(['r1']);
        expect(release).to.be.a('function');
        await release?.();
        // Its holder, unaware, lets go later: its commit fails on the lost connection, and nothing else happens.
        await releaseDying?.();
      } finally {
        // A holder never let go keeps its transaction, and close() waits for it.
        await releaseDying?.();
        await dying.close().catch(() => undefined);
        await living.close();
      }
    });
  });
});
