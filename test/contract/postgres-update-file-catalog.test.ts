import { expect } from 'chai';
import pg from 'pg';
import { PostgresUpdateFileCatalog } from '../../src/adapters/outbound/postgres/postgres-update-file-catalog.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { UpdateFileCatalog } from '../../src/ports/update-file-catalog.port.js';
import { all, entry, updateFileCatalogContract } from './update-file-catalog.contract.js';
import { createTestDatabase, usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL update_file', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<UpdateFileCatalog> {
    const catalog = await PostgresUpdateFileCatalog.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE update_file');
    await client.end();
    return catalog;
  }

  updateFileCatalogContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (catalog) => {
      await catalog.close();
      return PostgresUpdateFileCatalog.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresUpdateFileCatalog', () => {
    let catalog: UpdateFileCatalog;
    beforeEach(async () => {
      catalog = await openEmpty();
    });
    afterEach(() => catalog.close());

    it('keeps a size over 4 GiB and fractional milliseconds exactly', async () => {
      const big = entry('big.bin', { size: 5 * 2 ** 30 + 7, modifiedAtMs: 1764158400123.456 });
      await catalog.put(big);
      expect(await catalog.get('big.bin' as UpdateFilePath)).to.deep.equal(big);
    });

    it('sees at once what another process recorded or forgot (no cache)', async () => {
      const other = await PostgresUpdateFileCatalog.open(database.current().url, { poolSize: 1 });
      await other.put(entry('shared.bin', { changeToken: 'one' }));
      expect(await catalog.get('shared.bin' as UpdateFilePath)).to.deep.equal(
        entry('shared.bin', { changeToken: 'one' }),
      );
      await other.delete('shared.bin' as UpdateFilePath);
      expect(await catalog.get('shared.bin' as UpdateFilePath)).to.equal(undefined);
      await other.close();
    });

    it('lists in byte order of path in a database whose collation sorts otherwise', async () => {
      const human = await createTestDatabase({ icuLocale: 'en-US' });
      try {
        const there = await PostgresUpdateFileCatalog.open(human.url, { poolSize: 1 });
        const paths = ['fw/b.bin', 'Zed.bin', 'a.bin', 'B.bin', 'fw/A.bin', 'fw-2.bin', 'fw_1.bin'];
        for (const path of paths) await there.put(entry(path));
        const listed = (await all(there)).map((item) => item.path);
        await there.close();
        expect(listed).to.deep.equal([...paths].sort());
      } finally {
        await human.drop();
      }
    });
  });
});
