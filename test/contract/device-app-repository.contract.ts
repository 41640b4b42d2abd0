import { expect } from 'chai';
import type { AppVersion } from '../../src/domain/app-version.js';
import type { DeviceAppRecord } from '../../src/domain/device-app-record.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { DeviceAppRepository } from '../../src/ports/device-app-repository.port.js';

export function row(deviceId: string, appVersion = '1.0', updateFilePath = `fw/${deviceId}.bin`): DeviceAppRecord {
  return {
    deviceId: deviceId as DeviceId,
    appVersion: appVersion as AppVersion,
    updateFilePath: updateFilePath as UpdateFilePath,
  };
}

export async function listAll(repository: DeviceAppRepository): Promise<DeviceAppRecord[]> {
  const out: DeviceAppRecord[] = [];
  for await (const record of repository.list()) out.push(record);
  return out;
}

/**
 * What every DeviceAppRepository adapter promises. `open` gives a fresh, empty repository;
 * `reopen` (for durable adapters) closes it and opens what it left behind.
 */
export function deviceAppRepositoryContract(
  name: string,
  hooks: {
    open: () => Promise<DeviceAppRepository>;
    reopen?: (repository: DeviceAppRepository) => Promise<DeviceAppRepository>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`DeviceAppRepository contract: ${name}`, () => {
    let repository: DeviceAppRepository;

    beforeEach(async () => {
      repository = await hooks.open();
    });

    afterEach(async () => {
      await repository.close();
      await hooks.cleanup?.();
    });

    it('starts empty and answers undefined for an unknown device', async () => {
      expect(await listAll(repository)).to.deep.equal([]);
      expect(await repository.get('nobody' as DeviceId)).to.equal(undefined);
    });

    it('inserts, reads back and replaces a row', async () => {
      await repository.upsert(row('d1', '1.0', 'a.bin'));
      expect(await repository.get('d1' as DeviceId)).to.deep.equal(row('d1', '1.0', 'a.bin'));
      await repository.upsert(row('d1', '2.0', 'b.bin'));
      expect(await repository.get('d1' as DeviceId)).to.deep.equal(row('d1', '2.0', 'b.bin'));
      expect(await listAll(repository)).to.have.length(1);
    });

    it('never answers a read with a row older than the last write (nor a deleted one)', async () => {
      const id = 'cached' as DeviceId;
      expect(await repository.get(id)).to.equal(undefined);
      await repository.upsert(row('cached', '1.0', 'a.bin'));
      expect(await repository.get(id)).to.deep.equal(row('cached', '1.0', 'a.bin'));
      await repository.upsertMany([row('cached', '2.0', 'b.bin'), row('other')]);
      expect(await repository.get(id)).to.deep.equal(row('cached', '2.0', 'b.bin'));
      expect(await repository.delete(id)).to.equal(true);
      expect(await repository.get(id)).to.equal(undefined);
    });

    it('lists every row in byte order of device id, across many pages', async () => {
      const ids = Array.from({ length: 2345 }, (_, i) => `dev-${String(i).padStart(5, '0')}`);
      await repository.upsertMany(ids.map((id) => row(id)).reverse());
      await repository.upsert(row('Zed'));
      await repository.upsert(row('AA:BB:CC'));
      const listed = (await listAll(repository)).map((record) => record.deviceId);
      expect(listed).to.deep.equal(['AA:BB:CC', 'Zed', ...ids]);
    });

    it('deletes one row only, even for ids that look like SQL', async () => {
      await repository.upsertMany([row('device_id'), row('a'), row('b')]);
      expect(await repository.delete('device_id' as DeviceId)).to.equal(true);
      expect(await repository.delete('device_id' as DeviceId)).to.equal(false);
      expect((await listAll(repository)).map((r) => r.deviceId)).to.deep.equal(['a', 'b']);
    });

    it('finds the rows that name a file, in device-id order, and only those', async () => {
      await repository.upsertMany([
        row('b', '1.0', 'fw/x.bin'),
        row('a', '2.0', 'fw/x.bin'),
        row('c', '1.0', 'fw/x.bin.old'),
      ]);
      await repository.upsert(row('d', '1.0', 'fw/x.bin'));
      await repository.delete('b' as DeviceId);
      expect(await repository.namingFile('fw/x.bin' as UpdateFilePath)).to.deep.equal([
        row('a', '2.0', 'fw/x.bin'),
        row('d', '1.0', 'fw/x.bin'),
      ]);
      expect(await repository.namingFile('fw/none.bin' as UpdateFilePath)).to.deep.equal([]);
    });

    it('stores values with quotes and SQL text verbatim', async () => {
      const odd = row('x', `1' OR '1'='1`, 'a.bin');
      await repository.upsert(odd);
      expect(await repository.get('x' as DeviceId)).to.deep.equal(odd);
    });

    it('keeps every one of many concurrent writes', async () => {
      await Promise.all(Array.from({ length: 200 }, (_, i) => repository.upsert(row(`c${i}`, String(i)))));
      expect(await listAll(repository)).to.have.length(200);
      expect(await repository.get('c123' as DeviceId)).to.deep.equal(row('c123', '123'));
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen', async () => {
        await repository.upsertMany([row('a'), row('b'), row('c')]);
        await repository.upsert(row('b', '9.9', 'new.bin'));
        await repository.delete('c' as DeviceId);
        repository = await reopen(repository);
        expect(await listAll(repository)).to.deep.equal([row('a'), row('b', '9.9', 'new.bin')]);
      });
    }
  });
}
