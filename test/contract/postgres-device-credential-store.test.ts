import { expect } from 'chai';
import pg from 'pg';
import { PostgresDeviceCredentialStore } from '../../src/adapters/outbound/postgres/postgres-device-credential-store.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceCredentialStore } from '../../src/ports/device-credential-store.port.js';
import { credential, deviceCredentialStoreContract } from './device-credential-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL device_credential', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<DeviceCredentialStore> {
    const store = await PostgresDeviceCredentialStore.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE device_credential');
    await client.end();
    return store;
  }

  deviceCredentialStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresDeviceCredentialStore.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresDeviceCredentialStore', () => {
    let store: DeviceCredentialStore;
    beforeEach(async () => {
      store = await openEmpty();
    });
    afterEach(() => store.close());

    it('answers true to only one of two concurrent deletes of the same device', async () => {
      await store.put(credential('a'));
      const answers = await Promise.all([store.delete('a' as DeviceId), store.delete('a' as DeviceId)]);
      expect(answers.filter(Boolean)).to.have.length(1);
    });

    it('sees at once a rotation and a revocation made by another process (no cache)', async () => {
      const other = await PostgresDeviceCredentialStore.open(database.current().url, { poolSize: 1 });
      await store.put(credential('shared'));
      expect(await store.get('shared' as DeviceId)).to.deep.equal(credential('shared'));
      await other.put(credential('shared', 'scrypt$32768$8$1$new$rotated'));
      expect(await store.get('shared' as DeviceId)).to.deep.equal(credential('shared', 'scrypt$32768$8$1$new$rotated'));
      expect(await other.delete('shared' as DeviceId)).to.equal(true);
      expect(await store.get('shared' as DeviceId)).to.equal(undefined);
      await other.close();
    });
  });
});
