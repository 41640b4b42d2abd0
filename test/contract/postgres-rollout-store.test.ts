import { expect } from 'chai';
import pg from 'pg';
import { PostgresRolloutStore } from '../../src/adapters/outbound/postgres/postgres-rollout-store.js';
import type { RolloutStore } from '../../src/ports/rollout-store.port.js';
import { draft, rolloutStoreContract, storedRollout } from './rollout-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL rollout', () => {
  const database = usePostgresDatabase();

  /** Runs `sql` on a connection of its own (another process on the database, such as an older release). */
  async function elsewhere(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<RolloutStore> {
    const store = await PostgresRolloutStore.open(database.current().url, { poolSize: 4 });
    await elsewhere('TRUNCATE rollout');
    return store;
  }

  rolloutStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresRolloutStore.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresRolloutStore', () => {
    let store: RolloutStore;
    beforeEach(async () => {
      store = await openEmpty();
    });
    afterEach(() => store.close());

    it('keeps creation order across two processes, and each sees the other’s puts', async () => {
      const other = await PostgresRolloutStore.open(database.current().url, { poolSize: 2 });
      await store.put(draft('first'));
      await other.put(draft('second'));
      await store.put(draft('third'));
      await other.put(storedRollout('first', { state: 'running', haltReason: null }));
      const expected = [
        storedRollout('first', { state: 'running', haltReason: null }),
        draft('second'),
        draft('third'),
      ];
      expect(await store.list()).to.deep.equal(expected);
      expect(await other.list()).to.deep.equal(expected);
      await other.close();
    });

    it('counts the failures of a rollout an older release wrote (no halt_resumed_at) from its last resume', async () => {
      // That release, still running beside this one on the database, writes no such column.
      await store.put(storedRollout('r-1', { state: 'running', haltReason: null, haltResumedAt: null }));
      await elsewhere('UPDATE rollout SET halt_resumed_at = NULL');
      const [read] = await store.list();
      expect(read?.haltResumedAt).to.equal(storedRollout('r-1').resumedAt);
    });

    it('counts from the last resume once an older release resumed a rollout this one wrote (a rolling upgrade)', async () => {
      await store.put(storedRollout('r-1', { state: 'running', haltReason: null, haltResumedAt: null }));
      // That release's upsert names the columns it knows: resumed_at moves, the others stay.
      await elsewhere("UPDATE rollout SET resumed_at = 1767229999000, state = 'running' WHERE id = 'r-1'");
      const [read] = await store.list();
      expect(read).to.include({ resumedAt: 1_767_229_999_000, haltResumedAt: 1_767_229_999_000 });
    });

    it('goes on with later puts after one that failed', async () => {
      // A NUL cannot be stored in PostgreSQL text: this put fails, the next must not.
      const failure = await store.put(draft('bad\u0000id')).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      await store.put(draft('good'));
      expect(await store.list()).to.deep.equal([draft('good')]);
    });
  });
});
