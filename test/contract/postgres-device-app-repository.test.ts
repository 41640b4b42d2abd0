import { expect } from 'chai';
import pg from 'pg';
import {
  PAGE_SIZE,
  PostgresDeviceAppRepository,
} from '../../src/adapters/outbound/postgres/postgres-device-app-repository.js';
import { PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceAppRepository } from '../../src/ports/device-app-repository.port.js';
import { deviceAppRepositoryContract, listAll, row } from './device-app-repository.contract.js';
import { createTestDatabase, usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL device_app', () => {
  const database = usePostgresDatabase();

  /** An empty table: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<DeviceAppRepository> {
    const repository = await PostgresDeviceAppRepository.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE device_app');
    await client.end();
    return repository;
  }

  deviceAppRepositoryContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (repository) => {
      await repository.close();
      return PostgresDeviceAppRepository.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresDeviceAppRepository', () => {
    let repository: DeviceAppRepository;
    beforeEach(async () => {
      repository = await openEmpty();
    });
    afterEach(() => repository.close());

    it('answers true to only one of two concurrent deletes of the same device', async () => {
      await repository.upsert(row('a'));
      const answers = await Promise.all([repository.delete('a' as DeviceId), repository.delete('a' as DeviceId)]);
      expect(answers.filter(Boolean)).to.have.length(1);
    });

    it('gives a device named twice in one upsertMany its last row', async () => {
      await repository.upsertMany([row('a', '1.0'), row('b'), row('a', '2.0')]);
      expect(await repository.get('a' as DeviceId)).to.deep.equal(row('a', '2.0'));
    });

    it('writes all of an upsertMany or none of it', async () => {
      await repository.upsert(row('kept', '1.0'));
      // A NUL cannot be stored in PostgreSQL text: the last row fails, so the whole batch must.
      const failure = await repository
        .upsertMany([row('kept', '2.0'), row('new'), row('bad', '1.0', 'a\u0000b')])
        .catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect(await listAll(repository)).to.deep.equal([row('kept', '1.0')]);
    });

    it('pages list() by device id, stopping exactly at the end', async () => {
      await repository.upsertMany(
        Array.from({ length: PAGE_SIZE * 2 }, (_, i) => row(`p${String(i).padStart(5, '0')}`)),
      );
      const listed = await listAll(repository);
      expect(listed).to.have.length(PAGE_SIZE * 2);
      expect(listed.at(-1)?.deviceId).to.equal(`p${String(PAGE_SIZE * 2 - 1).padStart(5, '0')}`);
    });

    it('sees at once what another process wrote to the same database (no cache)', async () => {
      const other = await PostgresDeviceAppRepository.open(database.current().url, { poolSize: 1 });
      await other.upsert(row('shared', '3.0'));
      expect(await repository.get('shared' as DeviceId)).to.deep.equal(row('shared', '3.0'));
      await other.delete('shared' as DeviceId);
      expect(await repository.get('shared' as DeviceId)).to.equal(undefined);
      await other.close();
    });

    it('lists in byte order of device id in a database whose collation sorts otherwise', async () => {
      const human = await createTestDatabase({ icuLocale: 'en-US' });
      try {
        const there = await PostgresDeviceAppRepository.open(human.url, { poolSize: 1 });
        const ids = ['dev-1', 'Zed', 'AA:BB:CC', 'a', 'B', 'b_2', 'b-1', 'b.0'];
        await there.upsertMany(ids.map((id) => row(id)));
        const listed = (await listAll(there)).map((record) => record.deviceId);
        await there.close();
        expect(listed).to.deep.equal([...ids].sort());
      } finally {
        await human.drop();
      }
    });

    it('refuses statements after close, naming the database', async () => {
      const own = await PostgresDatabase.open(database.current().url, { poolSize: 1 });
      const closing = new PostgresDeviceAppRepository(own, true);
      await closing.close();
      const failure = await closing.get('a' as DeviceId).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('is closed');
    });
  });
});
