import { expect } from 'chai';
import pg from 'pg';
import {
  DEVICES_PER_PAGE,
  PostgresUpdateAttemptStore,
} from '../../src/adapters/outbound/postgres/postgres-update-attempt-store.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { UpdateAttemptStore } from '../../src/ports/update-attempt-store.port.js';
import { collect, updateAttempt, updateAttemptStoreContract } from './update-attempt-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL update_attempt', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<UpdateAttemptStore> {
    const store = await PostgresUpdateAttemptStore.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE update_attempt');
    await client.end();
    return store;
  }

  updateAttemptStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresUpdateAttemptStore.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresUpdateAttemptStore', () => {
    let store: UpdateAttemptStore;
    beforeEach(async () => {
      store = await openEmpty();
    });
    afterEach(() => store.close());

    it('writes all of a putMany or none of it', async () => {
      await store.putMany([updateAttempt('0001', 'a', { downloads: 1 })]);
      // A NUL cannot be stored in PostgreSQL text: the last attempt fails, so the whole batch must.
      const failure = await store
        .putMany([
          updateAttempt('0001', 'a', { downloads: 2 }),
          updateAttempt('0002', 'b'),
          updateAttempt('0003', 'c', { fromVersion: 'a\u0000b' }),
        ])
        .catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect(await collect(store.recent(10))).to.deep.equal([updateAttempt('0001', 'a', { downloads: 1 })]);
    });

    it('gives an id named twice in one putMany its last attempt', async () => {
      await store.putMany([updateAttempt('0001', 'a'), updateAttempt('0001', 'a', { state: 'succeeded' })]);
      expect(await store.forDevice('a' as DeviceId, 10)).to.deep.equal([
        updateAttempt('0001', 'a', { state: 'succeeded' }),
      ]);
    });

    it('keeps the later of concurrent writes of one attempt, in the order they were made', async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.putMany([updateAttempt('0001', 'a', { downloads: i })])),
      );
      expect((await store.forDevice('a' as DeviceId, 1))[0]?.downloads).to.equal(49);
    });

    it('prunes across several pages of devices', async () => {
      const devices = Array.from({ length: DEVICES_PER_PAGE * 2 + 1 }, (_, i) => `d${String(i).padStart(5, '0')}`);
      await store.putMany(
        devices.flatMap((device, i) => [
          updateAttempt(`a-${String(i).padStart(5, '0')}`, device, { updatedAt: 10 }),
          updateAttempt(`b-${String(i).padStart(5, '0')}`, device, { updatedAt: 10 }),
        ]),
      );
      expect(await store.pruneBefore(50)).to.equal(devices.length);
      const left = await collect(store.recent(10));
      expect(left.map((attempt) => attempt.deviceId)).to.deep.equal(devices);
      expect(left.every((attempt) => attempt.id.startsWith('b-'))).to.equal(true);
    });

    it('sees at once what another process wrote to the same database (no cache)', async () => {
      const other = await PostgresUpdateAttemptStore.open(database.current().url, { poolSize: 1 });
      await other.putMany([updateAttempt('0001', 'shared')]);
      expect(await store.forRollout('spring-2027_a')).to.deep.equal([updateAttempt('0001', 'shared')]);
      expect(await store.deleteDevice('shared' as DeviceId)).to.equal(1);
      expect(await other.forDevice('shared' as DeviceId, 5)).to.deep.equal([]);
      await other.close();
    });
  });
});
