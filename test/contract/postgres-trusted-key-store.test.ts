import { expect } from 'chai';
import pg from 'pg';
import { PostgresTrustedKeyStore } from '../../src/adapters/outbound/postgres/postgres-trusted-key-store.js';
import type { TrustedKeyStore } from '../../src/ports/trusted-key-store.port.js';
import { trustedKeyStoreContract } from './trusted-key-store.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL trusted_key', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<TrustedKeyStore> {
    const store = await PostgresTrustedKeyStore.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE trusted_key');
    await client.end();
    return store;
  }

  trustedKeyStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return PostgresTrustedKeyStore.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresTrustedKeyStore', () => {
    it('sees at once a key another process added or removed (no cache)', async () => {
      const store = await openEmpty();
      const other = await PostgresTrustedKeyStore.open(database.current().url, { poolSize: 1 });
      try {
        const key = { keyDigest: 'e'.repeat(64), scheme: null, name: null, source: 'api' as const, addedAt: 'now' };
        await other.put(key);
        expect(await store.list()).to.deep.equal([key]);
        expect(await other.delete(key.keyDigest)).to.equal(true);
        expect(await store.list()).to.deep.equal([]);
      } finally {
        await other.close();
        await store.close();
      }
    });
  });
});
