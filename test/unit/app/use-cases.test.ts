import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { Config } from '../../../src/app/config/config.js';
import { UpdateFileDescriber } from '../../../src/app/firmware/update-file-describer.js';
import { UpdateFileLocks } from '../../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import { AssignUpdate } from '../../../src/app/use-cases/assign-update.js';
import { CheckForUpdate } from '../../../src/app/use-cases/check-for-update.js';
import { ListDeviceApps } from '../../../src/app/use-cases/list-device-apps.js';
import { ListUpdateFiles } from '../../../src/app/use-cases/list-update-files.js';
import { OpenUpdateFile } from '../../../src/app/use-cases/open-update-file.js';
import { RemoveDeviceApp } from '../../../src/app/use-cases/remove-device-app.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import type { AppVersion } from '../../../src/domain/app-version.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { buildEspImage } from '../../support/esp-image-builder.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';

const id = (value: string) => value as DeviceId;
const version = (value: string) => value as AppVersion;
const path = (value: string) => value as UpdateFilePath;

async function* bytes(...chunks: Array<string | Buffer>): AsyncIterable<Uint8Array> {
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
  let catalog: InMemoryUpdateFileCatalog;
  let describer: UpdateFileDescriber;
  let locks: UpdateFileLocks;
  const config = { maxUploadBytes: 100_000, validateImages: true } as Config;
  const lenient = { ...config, validateImages: false } as Config;

  beforeEach(() => {
    devices = new InMemoryDeviceAppRepository();
    files = new InMemoryBlobStore();
    catalog = new InMemoryUpdateFileCatalog();
    locks = new UpdateFileLocks();
    describer = new UpdateFileDescriber(files, catalog, nodeSha256, locks, nodeSignatureVerifier);
  });

  describe('AssignUpdate', () => {
    it('stores the record and replaces an existing one', async () => {
      const assign = new AssignUpdate(devices, describer, locks);
      await assign.execute(id('d1'), { deviceId: 'd1', appVersion: '1', updateFilePath: 'a.bin' });
      await assign.execute(id('d1'), { deviceId: 'd1', appVersion: '2', updateFilePath: 'b.bin' });
      expect(await devices.get(id('d1'))).to.deep.equal({ deviceId: 'd1', appVersion: '2', updateFilePath: 'b.bin' });
    });

    it('refuses a record for another device than the URL names, storing nothing', async () => {
      const assign = new AssignUpdate(devices, describer, locks);
      const failure = await assign
        .execute(id('d1'), { deviceId: 'd2', appVersion: '1', updateFilePath: 'a.bin' })
        .catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'record-id-mismatch');
      expect(await collect(devices.list())).to.deep.equal([]);
    });

    it('refuses (reinstall-loop) a row whose file is an image of the version it updates from', async () => {
      await new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('v2.bin'), bytes(buildEspImage({ version: '2.0' })));
      const assign = new AssignUpdate(devices, describer, locks);
      const failure = await assign
        .execute(id('d1'), { deviceId: 'd1', appVersion: '2.0', updateFilePath: 'v2.bin' })
        .catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'reinstall-loop');
      expect(await devices.get(id('d1'))).to.equal(undefined);
      await assign.execute(id('d1'), { deviceId: 'd1', appVersion: '1.0', updateFilePath: 'v2.bin' });
      expect((await devices.get(id('d1')))?.appVersion).to.equal('1.0');
    });
  });

  describe('UploadUpdateFile and the reinstall loop', () => {
    it('refuses (reinstall-loop, naming the rows) an image of the version that rows naming its path update from, keeping the previous file', async () => {
      const upload = new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      );
      const previous = await upload.execute(path('fw/next.bin'), bytes(buildEspImage({ version: '3.0' })));
      await devices.upsertMany([
        { deviceId: id('d1'), appVersion: version('2.0'), updateFilePath: path('fw/next.bin') },
        { deviceId: id('d2'), appVersion: version('1.0'), updateFilePath: path('fw/next.bin') },
        { deviceId: id('d3'), appVersion: version('2.0'), updateFilePath: path('fw/other.bin') },
      ]);
      const failure = await upload
        .execute(path('fw/next.bin'), bytes(buildEspImage({ version: '2.0' })))
        .catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'reinstall-loop');
      expect((failure as Error).message)
        .to.contain('d1')
        .and.not.contain('d2')
        .and.not.contain('d3');
      expect(await catalog.get(path('fw/next.bin'))).to.deep.equal(previous);
      expect((await files.stat(path('fw/next.bin')))?.size).to.equal(previous.size);
      // Any other version, or the same image under a path no such row names, is taken.
      await upload.execute(path('fw/other2.bin'), bytes(buildEspImage({ version: '2.0' })));
      expect(
        (await upload.execute(path('fw/next.bin'), bytes(buildEspImage({ version: '4.0' })))).image?.version,
      ).to.equal('4.0');
    });

    it('holds whatever the order when an upload and an assignment of the same path race', async () => {
      const upload = new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      );
      const assign = new AssignUpdate(devices, describer, locks);
      const image = buildEspImage({ version: '2.0' });
      // A slow upload: the assignment arrives while its bytes are still streaming in.
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      async function* slow(): AsyncIterable<Uint8Array> {
        yield image.subarray(0, 100);
        await gate;
        yield image.subarray(100);
      }
      const uploading = upload.execute(path('fw/2.bin'), slow()).then(
        () => 'stored',
        (e: { code?: string }) => e.code,
      );
      const assigning = assign
        .execute(id('d1'), { deviceId: 'd1', appVersion: '2.0', updateFilePath: 'fw/2.bin' })
        .then(
          () => 'assigned',
          (e: { code?: string }) => e.code,
        );
      await new Promise((resolve) => setImmediate(resolve));
      release();
      expect([await uploading, await assigning]).to.deep.equal(['stored', 'reinstall-loop']);
      expect(await devices.get(id('d1'))).to.equal(undefined);
    });
  });

  describe('CheckForUpdate', () => {
    const row: DeviceAppRecord = { deviceId: id('d1'), appVersion: version('1.0'), updateFilePath: path('fw/2.bin') };

    it('walks through unknown device, missing file, update available (with the file entry) and no update', async () => {
      const check = new CheckForUpdate(devices, describer);
      expect((await check.execute(id('d1'), version('1.0'))).decision).to.deep.equal({ kind: 'unknown-device' });
      await devices.upsert(row);
      expect((await check.execute(id('d1'), version('1.0'))).decision).to.deep.equal({
        kind: 'update-file-missing',
        updateFilePath: 'fw/2.bin',
      });
      const image = buildEspImage({ version: '2.0' });
      const stored = await new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('fw/2.bin'), bytes(image));
      const offered = await check.execute(id('d1'), version('1.0'));
      expect(offered.decision).to.deep.equal({ kind: 'update-available', updateFilePath: 'fw/2.bin' });
      expect(offered.file).to.deep.equal(stored);
      expect(offered.file?.image?.version).to.equal('2.0');
      expect((await check.execute(id('d1'), version('2.0'))).decision).to.deep.equal({ kind: 'no-update' });
    });

    it('treats a stored row naming an impossible path (seed data) as a missing file', async () => {
      await devices.upsert({ ...row, updateFilePath: path('../devices.db') });
      const check = new CheckForUpdate(devices, describer);
      expect((await check.execute(id('d1'), version('1.0'))).decision.kind).to.equal('update-file-missing');
    });
  });

  describe('CheckForUpdate for a device confined to its own id', () => {
    it('answers its own check and treats every other device as unknown', async () => {
      await new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('fw.bin'), bytes('fw'));
      await devices.upsert({ deviceId: id('d1'), appVersion: version('1.0'), updateFilePath: path('fw.bin') });
      await devices.upsert({ deviceId: id('d2'), appVersion: version('1.0'), updateFilePath: path('fw.bin') });
      const check = new CheckForUpdate(devices, describer);
      expect((await check.execute(id('d1'), version('1.0'), id('d1'))).decision.kind).to.equal('update-available');
      expect((await check.execute(id('d2'), version('1.0'), id('d1'))).decision).to.deep.equal({
        kind: 'unknown-device',
      });
      expect((await check.execute(id('d2'), version('1.0'))).decision.kind).to.equal('update-available');
    });
  });

  describe('UploadUpdateFile and OpenUpdateFile', () => {
    it('stores a valid image with its size, SHA-256 and parsed facts, and serves it back', async () => {
      const image = buildEspImage({ version: '3.1', projectName: 'lamp' });
      const stored = await new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('a.bin'), bytes(image.subarray(0, 100), image.subarray(100)));
      expect(stored).to.include({ path: 'a.bin', size: image.length });
      expect(stored.image).to.include({ version: '3.1', projectName: 'lamp', chip: 'esp32' });
      expect(await catalog.get(path('a.bin'))).to.deep.equal(stored);
      const { blob, file } = await new OpenUpdateFile(files, describer, devices).execute(path('a.bin'));
      expect(file).to.deep.equal(stored);
      expect(Buffer.concat(await collect(blob.content())).equals(image)).to.equal(true);
    });

    it('refuses an invalid image with the reason, storing nothing and keeping the previous version', async () => {
      const upload = new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      );
      const good = buildEspImage();
      await upload.execute(path('a.bin'), bytes(good));
      const broken = Buffer.from(good);
      broken[200] = (broken[200] ?? 0) ^ 0xff;
      for (const attempt of [bytes('not firmware'), bytes(broken), bytes(good.subarray(0, 500))]) {
        const failure = await upload.execute(path('a.bin'), attempt).catch((e: unknown) => e);
        expect(failure).to.have.property('code', 'invalid-image');
      }
      const { blob } = await new OpenUpdateFile(files, describer, devices).execute(path('a.bin'));
      expect(Buffer.concat(await collect(blob.content())).equals(good)).to.equal(true);
      expect((await catalog.get(path('a.bin')))?.size).to.equal(good.length);
    });

    it('stores any bytes when validation is off (configured or per request), recording no image', async () => {
      const stored = await new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('blob.bin'), bytes('abc'));
      expect(stored).to.include({
        size: 3,
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      });
      expect(stored.image).to.equal(undefined);
      const optedOut = await new UploadUpdateFile(
        files,
        catalog,
        devices,
        config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('other.bin'), bytes('xyz'), { validate: false });
      expect(optedOut.image).to.equal(undefined);
      const image = await new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('img.bin'), bytes(buildEspImage({ version: '9' })));
      expect(image.image?.version).to.equal('9');
    });

    it('refuses an upload past the configured limit', async () => {
      const upload = new UploadUpdateFile(
        files,
        catalog,
        devices,
        { maxUploadBytes: 10, validateImages: false } as Config,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      );
      const failure = await upload.execute(path('a.bin'), bytes('0123456', '789x')).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'payload-too-large');
      expect(await files.stat(path('a.bin'))).to.equal(undefined);
    });

    it('lets a device confined to its own id download only the file its row assigns it', async () => {
      await new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('mine.bin'), bytes('mine'));
      await new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      ).execute(path('theirs.bin'), bytes('theirs'));
      await devices.upsert({ deviceId: id('d1'), appVersion: version('1.0'), updateFilePath: path('mine.bin') });
      const open = new OpenUpdateFile(files, describer, devices);
      const { blob } = await open.execute(path('mine.bin'), id('d1'));
      await blob.release();
      for (const [file, device] of [
        ['theirs.bin', 'd1'],
        ['mine.bin', 'd2'],
      ] as const) {
        const failure = await open.execute(path(file), id(device)).catch((e: unknown) => e);
        expect(failure, `${device} ${file}`).to.have.property('code', 'file-not-found');
      }
      const { blob: unconfined } = await open.execute(path('theirs.bin'));
      await unconfined.release();
    });

    it('answers file-not-found for a path with no file', async () => {
      const failure = await new OpenUpdateFile(files, describer, devices)
        .execute(path('nope.bin'))
        .catch((e: unknown) => e);
      expect(failure).to.have.property('code', 'file-not-found');
    });

    it('makes good a missing or stale catalog entry from the stored bytes', async () => {
      const image = buildEspImage({ version: '4.0' });
      await files.put(path('direct.bin'), bytes(image), { maxBytes: 1e6 }); // behind the use case's back
      const { blob, file } = await new OpenUpdateFile(files, describer, devices).execute(path('direct.bin'));
      await blob.release();
      expect(file.image?.version).to.equal('4.0');
      expect(await catalog.get(path('direct.bin'))).to.deep.equal(file);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await files.put(path('direct.bin'), bytes('replaced'), { maxBytes: 1e6 });
      const refreshed = await describer.describe('direct.bin');
      expect(refreshed).to.include({ size: 8 });
      expect(refreshed?.image).to.equal(undefined);
    });
  });

  describe('ListUpdateFiles', () => {
    it('lists every stored file in path order with its entry, and answers file-not-found for one that is not', async () => {
      const upload = new UploadUpdateFile(
        files,
        catalog,
        devices,
        lenient,
        locks,
        nodeSha256,
        nodeSignatureVerifier,
        new TrustedKeys([], new InMemoryTrustedKeyStore()),
      );
      await upload.execute(path('b.bin'), bytes('b'));
      await upload.execute(path('a/x.bin'), bytes(buildEspImage()));
      const list = new ListUpdateFiles(files, describer, devices);
      expect((await list.execute()).map((file) => file.path)).to.deep.equal(['a/x.bin', 'b.bin']);
      expect((await list.one(path('a/x.bin'))).image?.chip).to.equal('esp32');
      expect(await list.one(path('zzz')).catch((e: unknown) => e)).to.have.property('code', 'file-not-found');
    });

    it('names the devices whose rows name a file, in id order, whether or not it is stored', async () => {
      const list = new ListUpdateFiles(files, describer, devices);
      await devices.upsertMany([
        { deviceId: id('lamp-2'), appVersion: version('v1'), updateFilePath: path('a/x.bin') },
        { deviceId: id('lamp-1'), appVersion: version('v1'), updateFilePath: path('a/x.bin') },
        { deviceId: id('other'), appVersion: version('v1'), updateFilePath: path('b.bin') },
      ]);
      expect(await list.namedBy(path('a/x.bin'))).to.deep.equal(['lamp-1', 'lamp-2']);
      expect(await list.namedBy(path('nothing.bin'))).to.deep.equal([]);
    });
  });

  describe('ListDeviceApps and RemoveDeviceApp', () => {
    it('lists in device-id order and deletes, answering device-not-found for an unknown id', async () => {
      for (const name of ['b', 'a', 'C']) {
        await devices.upsert({ deviceId: id(name), appVersion: version('1'), updateFilePath: path('f') });
      }
      expect((await collect(new ListDeviceApps(devices).execute())).map((r) => r.deviceId)).to.deep.equal([
        'C',
        'a',
        'b',
      ]);
      const remove = new RemoveDeviceApp(devices);
      await remove.execute(id('a'));
      expect(await remove.execute(id('a')).catch((e: unknown) => e)).to.have.property('code', 'device-not-found');
      expect((await collect(devices.list())).map((r) => r.deviceId)).to.deep.equal(['C', 'b']);
    });
  });
});
