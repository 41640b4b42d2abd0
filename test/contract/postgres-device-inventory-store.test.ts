import { expect } from 'chai';
import pg from 'pg';
import {
  PAGE_SIZE,
  PostgresDeviceInventoryStore,
} from '../../src/adapters/outbound/postgres/postgres-device-inventory-store.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceInventoryStore } from '../../src/ports/device-inventory-store.port.js';
import {
  deviceInventoryStoreContract,
  inventoryEntry,
  listInventory,
  sightingOf,
} from './device-inventory-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL device_inventory', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<DeviceInventoryStore> {
    const store = await PostgresDeviceInventoryStore.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE device_inventory');
    await client.end();
    return store;
  }

  deviceInventoryStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresDeviceInventoryStore.open(database.current().url, { poolSize: 4 });
    },
    other: () => PostgresDeviceInventoryStore.open(database.current().url, { poolSize: 4 }),
  });

  describe('PostgresDeviceInventoryStore', () => {
    let store: DeviceInventoryStore;
    beforeEach(async () => {
      store = await openEmpty();
    });
    afterEach(() => store.close());

    it('writes all of a putMany or none of it', async () => {
      await store.putMany([inventoryEntry('kept', { polls: 1 })]);
      // A NUL cannot be stored in PostgreSQL text: the last entry fails, so the whole batch must.
      const failure = await store
        .putMany([
          inventoryEntry('kept', { polls: 2 }),
          inventoryEntry('new'),
          inventoryEntry('zz', { note: 'a\u0000b' }),
        ])
        .catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect(await listInventory(store)).to.deep.equal([inventoryEntry('kept', { polls: 1 })]);
    });

    it("gives an id named twice in one batch its last entry, and counts both of its sightings' checks", async () => {
      await store.putMany([
        inventoryEntry('a', { polls: 1 }),
        inventoryEntry('b', { lastSeen: 0 }),
        inventoryEntry('a', { polls: 2 }),
      ]);
      await store.recordSightings([
        sightingOf('b', { lastSeen: 2, newPolls: 10, pollIntervalMs: 5, lastStatus: 204 }),
        sightingOf('b', { lastSeen: 1, newPolls: 11, pollIntervalMs: null, lastStatus: 200 }),
      ]);
      expect(await listInventory(store)).to.deep.equal([
        inventoryEntry('a', { polls: 2 }),
        inventoryEntry('b', { lastSeen: 2, polls: 63, pollIntervalMs: 5, lastStatus: 204 }),
      ]);
    });

    it('keeps the later of concurrent writes of one entry, in the order they were made', async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 === 0
            ? store.putMany([inventoryEntry('same', { polls: i, lastSeen: i })])
            : store.recordSightings([
                sightingOf('same', { lastSeen: i, newPolls: 1, pollIntervalMs: i, lastStatus: 200 }),
              ]),
        ),
      );
      const [entry] = await listInventory(store);
      expect(entry?.polls).to.equal(49);
      expect(entry?.lastSeen).to.equal(49);
    });

    it('pages list() by id, stopping exactly at the end', async () => {
      await store.putMany(
        Array.from({ length: PAGE_SIZE * 2 }, (_, i) => inventoryEntry(`p${String(i).padStart(5, '0')}`)),
      );
      const listed = await listInventory(store);
      expect(listed).to.have.length(PAGE_SIZE * 2);
      expect(listed.at(-1)?.id).to.equal(`p${String(PAGE_SIZE * 2 - 1).padStart(5, '0')}`);
    });

    it('sees at once what another process wrote to the same database (no cache)', async () => {
      const other = await PostgresDeviceInventoryStore.open(database.current().url, { poolSize: 1 });
      await other.putMany([inventoryEntry('shared', { note: 'there' })]);
      expect(await listInventory(store)).to.deep.equal([inventoryEntry('shared', { note: 'there' })]);
      expect(await store.delete('shared' as DeviceId)).to.equal(true);
      expect(await listInventory(other)).to.deep.equal([]);
      await other.close();
    });
  });
});
