import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InMemoryDeviceAppRepository } from '../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { SqlJsDeviceAppRepository } from '../../src/adapters/outbound/sqljs/sqljs-device-app-repository.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import { deviceAppRepositoryContract, listAll, row } from './device-app-repository.contract.js';

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

  it('has every acknowledged write in the file at the moment of acknowledgement (crash-like reopen)', async () => {
    const file = join(dir, 'devices.db');
    const repository = await SqlJsDeviceAppRepository.open(file);
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        await repository.upsert(row(`d${i}`));
        // Copy the file as it is on disk right now, as a process killed at this instant leaves it.
        const crashed = join(dir, `crash-${i}.db`);
        await copyFile(file, crashed);
        acknowledged.push(`d${i}`);
        const survivor = await SqlJsDeviceAppRepository.openReadOnly(crashed);
        const ids = new Set((await listAll(survivor)).map((r) => r.deviceId as string));
        await survivor.close();
        expect(ids.has(`d${i}`), `d${i} acknowledged but missing after a crash`).to.equal(true);
      }),
    );
    expect(acknowledged).to.have.length(60);
    await repository.close();
  });

  it('opens a database written by the seed\'s schema as it is, and writes the seed\'s schema', async () => {
    const file = join(dir, 'devices.db');
    const repository = await SqlJsDeviceAppRepository.open(file);
    await repository.upsert(row('a'));
    await repository.close();
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 16).toString('latin1')).to.equal('SQLite format 3\0');
    expect(bytes.toString('latin1')).to.include('device_app(device_id text primary key asc, app_ver text, update_file_path text)');
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
