import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { Config } from '../../../src/app/config/config.js';
import { UpdateFileDescriber } from '../../../src/app/firmware/update-file-describer.js';
import { DeleteUpdateFile } from '../../../src/app/use-cases/delete-update-file.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import { UpdateFileLocks } from '../../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import type { DeviceAppRecord } from '../../../src/domain/device-app-record.js';
import type { UpdateFile } from '../../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';

const path = 'fw/app.bin' as UpdateFilePath;
const config = { maxUploadBytes: 100_000, validateImages: false } as Config;

const row = (deviceId: string, updateFilePath: string) =>
  ({ deviceId, appVersion: '1', updateFilePath }) as DeviceAppRecord;

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

/** A catalog whose next `put` waits until `open()` is called: an upload caught between its two steps. */
class GatedCatalog extends InMemoryUpdateFileCatalog {
  private gate: Promise<void> | undefined;
  open: () => void = () => {};
  reached = false;

  closeBeforeNextPut(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  override async put(file: UpdateFile): Promise<void> {
    const gate = this.gate;
    this.gate = undefined;
    if (gate !== undefined) {
      this.reached = true;
      await gate;
    }
    await super.put(file);
  }
}

describe('DeleteUpdateFile', () => {
  let files: InMemoryBlobStore;
  let catalog: GatedCatalog;
  let devices: InMemoryDeviceAppRepository;
  let upload: UploadUpdateFile;
  let remove: DeleteUpdateFile;
  beforeEach(async () => {
    files = new InMemoryBlobStore();
    catalog = new GatedCatalog();
    devices = new InMemoryDeviceAppRepository();
    const locks = new UpdateFileLocks();
    upload = new UploadUpdateFile(
      files,
      catalog,
      devices,
      config,
      locks,
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys([], new InMemoryTrustedKeyStore()),
    );
    remove = new DeleteUpdateFile(
      files,
      catalog,
      devices,
      new UpdateFileDescriber(files, catalog, nodeSha256, locks, nodeSignatureVerifier),
      locks,
    );
    await upload.execute(path, bytes('version one'));
  });

  it('deletes the file and its entry, and answers what it was', async () => {
    const deleted = await remove.execute(path);
    expect(deleted.file).to.include({ path, size: 11 });
    expect(deleted.namedBy).to.deep.equal([]);
    expect(await files.stat(path)).to.equal(undefined);
    expect(await catalog.get(path)).to.equal(undefined);
    expect(await remove.execute(path).catch((e: unknown) => e)).to.have.property('code', 'file-not-found');
  });

  it('refuses (file-in-use, naming the rows) while rows name the file, and deletes it when forced', async () => {
    await devices.upsert(row('d2', path));
    await devices.upsert(row('d1', path));
    await devices.upsert(row('d3', 'other.bin'));
    const refused = await remove.execute(path).catch((e: unknown) => e);
    expect(refused).to.include({ code: 'file-in-use' });
    expect(refused).to.have.deep.property('deviceIds', ['d1', 'd2']);
    expect((refused as Error).message).to.include('named by 2 device rows (d1, d2)');
    expect(await files.stat(path)).to.have.property('size', 11);
    expect((await remove.execute(path, { force: true })).namedBy).to.deep.equal(['d1', 'd2']);
    expect(await files.stat(path)).to.equal(undefined);
  });

  it('forgets the entry first: a file whose removal fails is still served, described afresh, and can be deleted later', async () => {
    const failing = new (class extends InMemoryBlobStore {
      fail = true;
      override async delete(at: UpdateFilePath): Promise<boolean> {
        if (this.fail) throw Object.assign(new Error('EIO: unlink (injected)'), { code: 'EIO' });
        return super.delete(at);
      }
    })();
    const locks = new UpdateFileLocks();
    const describer = new UpdateFileDescriber(failing, catalog, nodeSha256, locks, nodeSignatureVerifier);
    const stored = await new UploadUpdateFile(
      failing,
      catalog,
      devices,
      config,
      locks,
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys([], new InMemoryTrustedKeyStore()),
    ).execute(path, bytes('still here'));
    const removing = new DeleteUpdateFile(failing, catalog, devices, describer, locks);
    expect(await removing.execute(path).catch((e: unknown) => e)).to.have.property('code', 'EIO');
    expect(await catalog.get(path), 'the entry went first').to.equal(undefined);
    // The store is the truth: the file is described again from its bytes.
    expect(await describer.describe(path)).to.include({ size: 10, sha256: stored.sha256 });
    expect(await catalog.get(path)).to.include({ sha256: stored.sha256 });
    failing.fail = false;
    expect((await removing.execute(path)).file).to.include({ sha256: stored.sha256 });
    expect(await failing.stat(path)).to.equal(undefined);
    expect(await catalog.get(path)).to.equal(undefined);
  });

  it('waits for an upload of the same path, so that no entry is left without its file', async () => {
    catalog.closeBeforeNextPut();
    const uploading = upload.execute(path, bytes('version two'));
    // The upload has stored its file and now waits to record its entry.
    while (!catalog.reached) await new Promise((resolve) => setImmediate(resolve));
    let deletedYet = false;
    const deleting = remove.execute(path, { force: true }).then(() => {
      deletedYet = true;
    });
    for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(deletedYet, 'the deletion waits for the upload').to.equal(false);
    catalog.open();
    await uploading;
    await deleting;
    expect(await files.stat(path)).to.equal(undefined);
    expect(await catalog.get(path), 'no entry left without its file').to.equal(undefined);
  });
});
