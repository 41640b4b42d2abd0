import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { Config } from '../../../src/app/config/config.js';
import { ImportSeedVolume, SeedImportRefused } from '../../../src/app/use-cases/import-seed-volume.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import { UpdateFileLocks } from '../../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';
import { chunks, p, readAll } from '../../contract/blob-store.contract.js';
import { listAll } from '../../contract/device-app-repository.contract.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';

const raw = (deviceId: string, appVersion: string, updateFilePath: string) =>
  ({ deviceId, appVersion, updateFilePath }) as DeviceAppRecord;

describe('ImportSeedVolume', () => {
  async function volume(rows: DeviceAppRecord[], files: Record<string, string>) {
    const seedDevices = new InMemoryDeviceAppRepository();
    await seedDevices.upsertMany(rows);
    const seedFiles = new InMemoryBlobStore();
    for (const [path, text] of Object.entries(files)) await seedFiles.put(p(path), chunks(text), { maxBytes: 1000 });
    const devices = new InMemoryDeviceAppRepository();
    const files_ = new InMemoryBlobStore();
    const catalog = new InMemoryUpdateFileCatalog();
    const upload = new UploadUpdateFile(
      files_,
      catalog,
      devices,
      { maxUploadBytes: 10, validateImages: true } as Config,
      new UpdateFileLocks(),
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys([], new InMemoryTrustedKeyStore()),
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
    expect(report).to.deep.equal({ rows: 2, files: 1, invalid: [], missingFiles: ['b -> gone.bin'] });
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
});
