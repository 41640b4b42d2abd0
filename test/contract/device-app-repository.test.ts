import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InMemoryDeviceAppRepository } from '../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import {
  DEVICE_APP_SCHEMA,
  SqlJsDeviceAppRepository,
} from '../../src/adapters/outbound/sqljs/sqljs-device-app-repository.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import { deviceAppRepositoryContract, listAll, row } from './device-app-repository.contract.js';
import { crashCopy } from '../support/crash-copy.js';

deviceAppRepositoryContract('in-memory', { open: async () => new InMemoryDeviceAppRepository() });

let directory = '';
deviceAppRepositoryContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-sqljs-'));
    return SqlJsDeviceAppRepository.open(join(directory, 'devices.db'));
  },
  reopen: async (repository) => {
    await repository.close();
    return SqlJsDeviceAppRepository.open(join(directory, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});

describe('SqlJsDeviceAppRepository on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-sqljs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Copies the database file and its journal as they are on disk now, as a killed process leaves them. */
  it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
    const live = join(dir, 'live');
    await mkdir(live);
    const repository = await SqlJsDeviceAppRepository.open(join(live, 'devices.db'));
    let crashes = 0;
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        await repository.upsert(row(`d${i}`));
        // Copy the files as they are on disk right now, as a process killed at this instant leaves them.
        const crashed = join(dir, `crash-${crashes++}`);
        await crashCopy(live, crashed);
        const survivor = await SqlJsDeviceAppRepository.open(join(crashed, 'devices.db'));
        const ids = new Set((await listAll(survivor)).map((r) => r.deviceId as string));
        await survivor.close();
        expect(ids.has(`d${i}`), `d${i} acknowledged but missing after a crash`).to.equal(true);
      }),
    );
    await repository.close();
  });

  it('keeps writes across background checkpoints, and replays the journal onto the file', async () => {
    const file = join(dir, 'devices.db');
    const database = await SqlJsDatabase.open(file, DEVICE_APP_SCHEMA, { checkpointBytes: 2000 });
    const repository = new SqlJsDeviceAppRepository(database);
    for (let i = 0; i < 300; i += 1) await repository.upsert(row(`k${String(i).padStart(3, '0')}`, String(i)));
    await repository.delete('k007' as DeviceId);
    const segments = (await readdir(dir)).filter((name) => name.includes('.journal.'));
    expect(segments.length, segments.join()).to.be.at.most(3); // old segments are dropped after checkpoints
    await crashCopy(dir, join(dir, 'crash'));
    await database.close();
    for (const where of [dir, join(dir, 'crash')]) {
      const reopened = await SqlJsDeviceAppRepository.open(join(where, 'devices.db'));
      const listed = await listAll(reopened);
      expect(listed, where).to.have.length(299);
      expect(await reopened.get('k299' as DeviceId)).to.deep.equal(row('k299', '299'));
      expect(await reopened.get('k007' as DeviceId)).to.equal(undefined);
      await reopened.close();
    }
  });

  it('ignores an entry torn by a crash at the end of the journal', async () => {
    const file = join(dir, 'devices.db');
    const repository = await SqlJsDeviceAppRepository.open(file);
    await repository.upsert(row('kept'));
    await crashCopy(dir, join(dir, 'crash'));
    await repository.close();
    const segment = (await readdir(join(dir, 'crash'))).find((name) => name.includes('.journal.'));
    expect(segment).to.be.a('string');
    await appendFile(join(dir, 'crash', segment!), '0badc0de [["DELETE FROM device_app WHERE device_id = ?",["ke');
    const reopened = await SqlJsDeviceAppRepository.open(join(dir, 'crash', 'devices.db'));
    expect((await listAll(reopened)).map((r) => r.deviceId)).to.deep.equal(['kept']);
    await reopened.upsert(row('after'));
    await reopened.close();
    const again = await SqlJsDeviceAppRepository.open(join(dir, 'crash', 'devices.db'));
    expect((await listAll(again)).map((r) => r.deviceId)).to.deep.equal(['after', 'kept']);
    await again.close();
  });

  it('serves the old row until a write is durable, then the new one (the row cache never holds a row that is not durable)', async () => {
    const repository = await SqlJsDeviceAppRepository.open(join(dir, 'devices.db'));
    await repository.upsert(row('a', '1'));
    expect(await repository.get('a' as DeviceId)).to.deep.equal(row('a', '1'));
    const writing = repository.upsert(row('a', '2'));
    // Read (and cached) while the journal append is under way.
    expect(await repository.get('a' as DeviceId)).to.deep.equal(row('a', '1'));
    await writing;
    expect(await repository.get('a' as DeviceId)).to.deep.equal(row('a', '2'));
    await repository.close();
  });

  it('answers true to only one of two concurrent deletes of the same device', async () => {
    const repository = await SqlJsDeviceAppRepository.open(join(dir, 'devices.db'));
    await repository.upsert(row('a'));
    const answers = await Promise.all([repository.delete('a' as DeviceId), repository.delete('a' as DeviceId)]);
    expect(answers.filter(Boolean)).to.have.length(1);
    expect(await repository.get('a' as DeviceId)).to.equal(undefined);
    await repository.close();
  });

  it("opens a database written by the seed's schema as it is, and writes the seed's schema", async () => {
    const file = join(dir, 'devices.db');
    const repository = await SqlJsDeviceAppRepository.open(file);
    await repository.upsert(row('a'));
    await repository.close();
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 16).toString('latin1')).to.equal('SQLite format 3\0');
    expect(bytes.toString('latin1')).to.include(
      'device_app(device_id text primary key asc, app_ver text, update_file_path text)',
    );
  });

  it('refuses to open a file that is not a SQLite database, leaving it untouched', async () => {
    const file = join(dir, 'devices.db');
    await writeFile(file, 'not a database at all, just some text that is long enough to matter');
    const failure = await SqlJsDeviceAppRepository.open(file).catch((error: Error) => error);
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('not a usable SQLite database');
    expect(await readFile(file, 'utf8')).to.match(/^not a database/);
  });

  it('refuses writes through a read-only handle', async () => {
    const file = join(dir, 'devices.db');
    await (await SqlJsDeviceAppRepository.open(file)).close();
    const readOnly = await SqlJsDeviceAppRepository.openReadOnly(file);
    expect(await readOnly.upsert(row('a')).catch((e: Error) => e.message)).to.include('read-only');
    expect(await readOnly.get('a' as DeviceId)).to.equal(undefined);
    await readOnly.close();
  });
});
