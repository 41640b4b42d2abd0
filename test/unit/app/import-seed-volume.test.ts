import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { Config } from '../../../src/app/config/config.js';
import {
  ImportSeedVolume,
  SeedImportRefused,
  SeedImportStopped,
} from '../../../src/app/use-cases/import-seed-volume.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import { UpdateFileLocks } from '../../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';
import type { TrustedKey } from '../../../src/domain/firmware/trusted-key.js';
import { UPDATE_FILE_PATH_RULE } from '../../../src/domain/update-file-path.js';
import type { BlobStore } from '../../../src/ports/blob-store.port.js';
import { buildEspImage } from '../../support/esp-image-builder.js';
import { chunks, p, readAll } from '../../contract/blob-store.contract.js';
import { listAll } from '../../contract/device-app-repository.contract.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';

const raw = (deviceId: string, appVersion: string, updateFilePath: string) =>
  ({ deviceId, appVersion, updateFilePath }) as DeviceAppRecord;

/** A key trusted by digest only: no image made here is signed by it. */
const SOME_KEY: TrustedKey = { keyDigest: 'ab'.repeat(32), scheme: null, name: null, source: 'file', addedAt: null };

describe('ImportSeedVolume', () => {
  async function volume(
    rows: DeviceAppRecord[],
    files: Record<string, string | Buffer>,
    options: { trusted?: TrustedKey[]; files?: BlobStore } = {},
  ) {
    const seedDevices = new InMemoryDeviceAppRepository();
    await seedDevices.upsertMany(rows);
    const seedFiles = new InMemoryBlobStore();
    for (const [path, text] of Object.entries(files)) await seedFiles.put(p(path), chunks(text), { maxBytes: 1e6 });
    const devices = new InMemoryDeviceAppRepository();
    const files_ = options.files ?? new InMemoryBlobStore();
    const catalog = new InMemoryUpdateFileCatalog();
    const upload = new UploadUpdateFile(
      files_,
      catalog,
      devices,
      { maxUploadBytes: 10, validateImages: true } as Config,
      new UpdateFileLocks(),
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys(options.trusted ?? [], new InMemoryTrustedKeyStore()),
    );
    return { importer: new ImportSeedVolume(seedDevices, seedFiles, devices, upload), devices, files: files_, catalog };
  }

  it('copies rows and files, never the seed database itself, and reports rows whose file is absent', async () => {
    const { importer, devices, files, catalog } = await volume([raw('a', '1', 'a.bin'), raw('b', '1', 'gone.bin')], {
      'a.bin': 'A',
      'devices.db': 'SQLite format 3',
      'devices.db-journal': 'j',
    });
    const report = await importer.execute({ skipInvalid: false });
    expect(report).to.deep.equal({
      rows: 2,
      files: 1,
      invalid: [],
      missingFiles: ['b -> gone.bin'],
      reinstallLoops: [],
    });
    expect((await listAll(devices)).map((r) => r.deviceId)).to.deep.equal(['a', 'b']);
    expect((await readAll(files, 'a.bin'))?.toString()).to.equal('A');
    expect(await files.stat(p('devices.db'))).to.equal(undefined);
    // Any bytes, as the seed kept them, whatever the size limit and validation settings say.
    expect(await catalog.get(p('a.bin'))).to.include({ size: 1 });
  });

  it('imports nothing at all while any row is invalid, unless told to skip', async () => {
    const { importer, devices, files } = await volume(
      [raw('a', '1', 'a.bin'), raw('b b', '1', 'a.bin'), raw('c', '', 'a.bin')],
      { 'a.bin': 'A' },
    );
    const refused = await importer.execute({ skipInvalid: false }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(SeedImportRefused);
    expect((refused as SeedImportRefused).report.invalid).to.have.length(2);
    expect(await listAll(devices)).to.deep.equal([]);
    expect(await files.stat(p('a.bin'))).to.equal(undefined);
    const report = await importer.execute({ skipInvalid: true });
    expect(report.rows).to.equal(1);
    expect((await listAll(devices)).map((r) => r.deviceId)).to.deep.equal(['a']);
  });

  it('refuses files no path can ask for (names the seed served), listing them, unless told to skip', async () => {
    // Found by a new user: such files were left out without a word.
    const { importer, devices, files } = await volume([raw('a', '1', 'a.bin')], { 'a.bin': 'A' });
    const unservableFiles = ['my firmware.bin', 'ünïcode.bin', 'devices.db-wal'];
    const refused = await importer.execute({ skipInvalid: false, unservableFiles }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(SeedImportRefused);
    expect((refused as SeedImportRefused).report.invalid).to.deep.equal([
      `file "my firmware.bin": ${UPDATE_FILE_PATH_RULE}`,
      `file "ünïcode.bin": ${UPDATE_FILE_PATH_RULE}`,
    ]);
    expect((refused as Error).message).to.include('2 row(s) or file(s)');
    expect(await listAll(devices)).to.deep.equal([]);
    expect(await files.stat(p('a.bin'))).to.equal(undefined);
    expect((await importer.execute({ skipInvalid: true, unservableFiles })).invalid).to.have.length(2);
    expect((await listAll(devices)).map((r) => r.deviceId)).to.deep.equal(['a']);
  });

  it('imports a row naming an image of its own version as the seed had it, reports it, and can run again', async () => {
    // Found by a new user: the second run refused the file (the first had imported the row).
    const image = buildEspImage({ version: '2.0.0' });
    const { importer, devices } = await volume([raw('loop', '2.0.0', 'fw.bin'), raw('ok', '1.0.0', 'fw.bin')], {
      'fw.bin': image,
    });
    for (const run of [1, 2]) {
      const report = await importer.execute({ skipInvalid: false });
      expect(report.reinstallLoops, `run ${run}`).to.deep.equal(['loop -> fw.bin (version 2.0.0)']);
      expect((await listAll(devices)).map((r) => r.deviceId)).to.deep.equal(['loop', 'ok']);
    }
  });

  it('lists every image the trusted keys refuse, importing no row, unless told to skip them', async () => {
    // Found by a new user: the import stopped at the first unsigned image, --skip-invalid or not.
    const rows = [raw('a', '1.0.0', 'a.bin'), raw('b', '1.0.0', 'b.bin'), raw('c', '1.0.0', 'notes.txt')];
    const { importer, devices, files } = await volume(
      rows,
      { 'a.bin': buildEspImage({ version: '2.0.0' }), 'b.bin': buildEspImage({ version: '2.1.0' }), 'notes.txt': 'x' },
      { trusted: [SOME_KEY] },
    );
    const refused = await importer.execute({ skipInvalid: false }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(SeedImportRefused);
    const invalid = (refused as SeedImportRefused).report.invalid;
    expect(invalid.map((line) => line.slice(0, line.indexOf(':')))).to.deep.equal(['file "a.bin"', 'file "b.bin"']);
    expect((refused as Error).message).to.include('the 1 file(s) it could serve were stored');
    expect(await listAll(devices)).to.deep.equal([]);
    const report = await importer.execute({ skipInvalid: true });
    expect(report).to.deep.include({ files: 1, missingFiles: ['a -> a.bin', 'b -> b.bin'] });
    expect((await listAll(devices)).map((r) => r.deviceId)).to.deep.equal(['a', 'b', 'c']);
    expect(await files.stat(p('a.bin'))).to.equal(undefined);
  });

  it('says where it stopped when a file cannot be stored, and imports no row', async () => {
    const store = new InMemoryBlobStore();
    const put = store.put.bind(store);
    store.put = (path, content, options) =>
      path === 'b.bin' ? Promise.reject(new Error('ENOSPC: no space left on device')) : put(path, content, options);
    const { importer, devices } = await volume(
      [raw('a', '1', 'a.bin'), raw('b', '1', 'b.bin')],
      { 'a.bin': 'A', 'b.bin': 'B', 'c.bin': 'C' },
      { files: store },
    );
    const stopped = await importer.execute({ skipInvalid: false }).catch((error: unknown) => error);
    expect(stopped).to.be.instanceOf(SeedImportStopped);
    expect((stopped as Error).message).to.equal(
      'the import stopped at b.bin, with 1 of 3 file(s) stored and no row imported (once the cause is fixed, ' +
        'running it again is safe): ENOSPC: no space left on device',
    );
    expect(await listAll(devices)).to.deep.equal([]);
  });
});
