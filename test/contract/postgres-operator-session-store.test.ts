import { expect } from 'chai';
import pg from 'pg';
import { MIGRATIONS } from '../../src/adapters/outbound/postgres/migrations.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { PostgresOperatorSessionStore } from '../../src/adapters/outbound/postgres/postgres-operator-session-store.js';
import type { OperatorSessionStore } from '../../src/ports/operator-session-store.port.js';
import { operatorSessionStoreContract } from './operator-session-store.contract.js';
import { createTestDatabase, usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL operator_session', () => {
  const database = usePostgresDatabase();
  const open = () => PostgresOperatorSessionStore.open(database.current().url, { poolSize: 4 });

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<OperatorSessionStore> {
    const store = await open();
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE operator_session');
    await client.end();
    return store;
  }

  operatorSessionStoreContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (store) => {
      await store.close();
      return open();
    },
    other: open,
  });

  it('comes with migration 10 onto a database at version 9, whose tables it leaves as they were', async () => {
    const earlier = await createTestDatabase();
    try {
      const before = await PostgresDatabase.open(earlier.url, { poolSize: 1, migrations: MIGRATIONS.slice(0, 9) });
      await before.query("INSERT INTO device_app (device_id, app_ver, update_file_path) VALUES ('d', '1', 'f')");
      await before.close();
      const store = await PostgresOperatorSessionStore.open(earlier.url, { poolSize: 1 });
      const session = { username: 'op', csrfToken: 't', createdAt: 1, expiresAt: 2 };
      await store.put('k', session, 10);
      expect(await store.find('k')).to.deep.equal(session);
      await store.close();
      const after = await PostgresDatabase.open(earlier.url, { poolSize: 1 });
      expect(after.migrated).to.deep.equal([]);
      const { rows } = await after.query<{ device_id: string }>('SELECT device_id FROM device_app');
      expect(rows).to.deep.equal([{ device_id: 'd' }]);
      await after.close();
    } finally {
      await earlier.drop();
    }
  });
});
