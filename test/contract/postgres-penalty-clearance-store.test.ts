import { expect } from 'chai';
import pg from 'pg';
import { PostgresPenaltyClearanceStore } from '../../src/adapters/outbound/postgres/postgres-penalty-clearance-store.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { PenaltyClearanceStore } from '../../src/ports/penalty-clearance-store.port.js';
import { penaltyClearanceStoreContract } from './penalty-clearance-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL penalty_clearance', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<PenaltyClearanceStore> {
    const store = await PostgresPenaltyClearanceStore.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE penalty_clearance');
    await client.end();
    return store;
  }

  penaltyClearanceStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresPenaltyClearanceStore.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresPenaltyClearanceStore', () => {
    let store: PenaltyClearanceStore;
    beforeEach(async () => {
      store = await openEmpty();
    });
    afterEach(() => store.close());

    it('answers true to only one of two concurrent deletes of the same device', async () => {
      await store.put('a' as DeviceId, 1);
      const answers = await Promise.all([store.delete('a' as DeviceId), store.delete('a' as DeviceId)]);
      expect(answers.filter(Boolean)).to.have.length(1);
    });

    it('keeps a clearing time beyond 32 bits exactly, and sees what another process wrote', async () => {
      const other = await PostgresPenaltyClearanceStore.open(database.current().url, { poolSize: 1 });
      await other.put('far' as DeviceId, 8_640_000_000_000_000);
      expect(await store.list()).to.deep.equal(new Map([['far' as DeviceId, 8_640_000_000_000_000]]));
      await other.close();
    });
  });
});
