import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import type { Config } from '../../../src/app/config/config.js';
import { AssignUpdate } from '../../../src/app/use-cases/assign-update.js';
import { CheckForUpdate } from '../../../src/app/use-cases/check-for-update.js';
import { ListDeviceApps } from '../../../src/app/use-cases/list-device-apps.js';
import { OpenUpdateFile } from '../../../src/app/use-cases/open-update-file.js';
import { RemoveDeviceApp } from '../../../src/app/use-cases/remove-device-app.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import type { AppVersion } from '../../../src/domain/app-version.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';

const id = (value: string) => value as DeviceId;
const version = (value: string) => value as AppVersion;
const path = (value: string) => value as UpdateFilePath;

async function* bytes(...chunks: string[]): AsyncIterable<Uint8Array> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('use cases (in-memory adapters)', () => {
  let devices: InMemoryDeviceAppRepository;
  let files: InMemoryBlobStore;
  const config = { maxUploadBytes: 10 } as Config;

  beforeEach(() => {
    devices = new InMemoryDeviceAppRepository();
    files = new InMemoryBlobStore();
  });

  describe('AssignUpdate', () => {
    it('stores the record and replaces an existing one', async () => {
      const assign = new AssignUpdate(devices);
      await assign.execute(id('d1'), { deviceId: 'd1', appVersion: '1', updateFilePath: 'a.bin' });
      await assign.execute(id('d1'), { deviceId: 'd1', appVersion: '2', updateFilePath: 'b.bin' });
      expect(await devices.get(id('d1'))).to.deep.equal({ deviceId: 'd1', appVersion: '2', updateFilePath: 'b.bin' });
    });

    it('refuses a record for another device than the URL names, storing nothing', async () => {
      const assign = new AssignUpdate(devices);
      const failure = await assign.execute(id('d1'), { deviceId: 'd2', appVersion: '1', updateFilePath: 'a.bin' }).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'record-id-mismatch');
      expect(await collect(devices.list())).to.deep.equal([]);
    });
  });

  describe('CheckForUpdate', () => {
    const row: DeviceAppRecord = { deviceId: id('d1'), appVersion: version('1.0'), updateFilePath: path('fw/2.bin') };

    it('walks through unknown device, missing file, update available and no update', async () => {
      const check = new CheckForUpdate(devices, files);
      expect(await check.execute(id('d1'), version('1.0'))).to.deep.equal({ kind: 'unknown-device' });
      await devices.upsert(row);
      expect(await check.execute(id('d1'), version('1.0'))).to.deep.equal({ kind: 'update-file-missing', updateFilePath: 'fw/2.bin' });
      await files.put(path('fw/2.bin'), bytes('firmware'), { maxBytes: 100 });
      expect(await check.execute(id('d1'), version('1.0'))).to.deep.equal({ kind: 'update-available', updateFilePath: 'fw/2.bin' });
      expect(await check.execute(id('d1'), version('2.0'))).to.deep.equal({ kind: 'no-update' });
    });

    it('treats a stored row naming an impossible path (seed data) as a missing file', async () => {
      await devices.upsert({ ...row, updateFilePath: path('../devices.db') });
      const check = new CheckForUpdate(devices, files);
      expect((await check.execute(id('d1'), version('1.0'))).kind).to.equal('update-file-missing');
    });
  });

  describe('UploadUpdateFile and OpenUpdateFile', () => {
    it('stores the bytes, reports size and SHA-256, and serves them back', async () => {
      const upload = new UploadUpdateFile(files, config);
      const stored = await upload.execute(path('a.bin'), bytes('abc'));
      expect(stored).to.deep.equal({ size: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
      const opened = await new OpenUpdateFile(files).execute(path('a.bin'));
      expect(Buffer.concat(await collect(opened.content())).toString()).to.equal('abc');
    });

    it('refuses an upload past the configured limit and keeps the previous version', async () => {
      const upload = new UploadUpdateFile(files, config);
      await upload.execute(path('a.bin'), bytes('old'));
      const failure = await upload.execute(path('a.bin'), bytes('0123456', '789x')).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'payload-too-large');
      const opened = await new OpenUpdateFile(files).execute(path('a.bin'));
      expect(Buffer.concat(await collect(opened.content())).toString()).to.equal('old');
    });

    it('answers file-not-found for a path with no file', async () => {
      const failure = await new OpenUpdateFile(files).execute(path('nope.bin')).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'file-not-found');
    });
  });

  describe('ListDeviceApps and RemoveDeviceApp', () => {
    it('lists in device-id order and deletes, answering device-not-found for an unknown id', async () => {
      for (const name of ['b', 'a', 'C']) {
        await devices.upsert({ deviceId: id(name), appVersion: version('1'), updateFilePath: path('f') });
      }
      expect((await collect(new ListDeviceApps(devices).execute())).map((r) => r.deviceId)).to.deep.equal(['C', 'a', 'b']);
      const remove = new RemoveDeviceApp(devices);
      await remove.execute(id('a'));
      expect(await remove.execute(id('a')).catch((e: unknown) => e)).to.have.property('code', 'device-not-found');
      expect((await collect(devices.list())).map((r) => r.deviceId)).to.deep.equal(['C', 'b']);
    });
  });
});
