import { expect } from 'chai';
import pg from 'pg';
import { PostgresChangeFeed } from '../../src/adapters/outbound/postgres/postgres-change-feed.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import type { HeardChange } from '../../src/ports/change-feed.port.js';
import { eventually } from '../support/eventually.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { changeFeedContract } from './change-feed.contract.js';

describe('PostgreSQL change feed (LISTEN/NOTIFY)', () => {
  const database = usePostgresDatabase();

  /** Two servers' feeds on the test database, each with its own pool, as two processes have. */
  async function twoServers() {
    const url = database.current().url;
    const pools = [
      await PostgresDatabase.open(url, { poolSize: 2 }),
      await PostgresDatabase.open(url, { poolSize: 2 }),
    ];
    const first = await PostgresChangeFeed.open(url, pools[0]!);
    const second = await PostgresChangeFeed.open(url, pools[1]!);
    return {
      first,
      second,
      close: async () => {
        await first.close();
        await second.close();
        await Promise.all(pools.map((pool) => pool.close()));
      },
    };
  }

  changeFeedContract('PostgreSQL', twoServers);

  it('reconnects after its listening connection is cut, tells its listeners to resync, and hears again', async function () {
    this.timeout(20_000);
    const pair = await twoServers();
    try {
      const heard: HeardChange[] = [];
      pair.second.subscribe((change) => heard.push(change));
      const admin = new pg.Client({ connectionString: database.current().url });
      await admin.connect();
      try {
        // Cuts every listening connection of this database (as a restart or a network cut would).
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fuota-changes' AND datname = current_database()",
        );
        expect(rowCount).to.equal(2);
      } finally {
        await admin.end();
      }
      await eventually(() => heard.some((change) => change.kind === 'resync'), 'a resync after reconnecting');
      pair.first.announce({ kind: 'catalog' });
      await eventually(() => heard.at(-1)?.kind === 'catalog', 'a change heard after reconnecting');
    } finally {
      await pair.close();
    }
  });
});
