import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import { InMemoryDeviceAppRepository } from '../../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import type { Config } from '../../../src/app/config/config.js';
import { UpdateFileDescriber } from '../../../src/app/firmware/update-file-describer.js';
import { UpdateFileLocks } from '../../../src/app/firmware/update-file-locks.js';
import { TrustedKeys } from '../../../src/app/firmware/trusted-keys.js';
import { InMemoryTrustedKeyStore } from '../../../src/adapters/outbound/memory/in-memory-trusted-key-store.js';
import { DeleteUpdateFile } from '../../../src/app/use-cases/delete-update-file.js';
import { UploadUpdateFile } from '../../../src/app/use-cases/upload-update-file.js';
import type { OpenedBlob } from '../../../src/ports/blob-store.port.js';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import type { UpdateFile } from '../../../src/domain/update-file.js';
import { buildEspImage } from '../../support/esp-image-builder.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';
import { nodeSignatureVerifier } from '../../../src/adapters/outbound/crypto/node-signature-verifier.js';

const path = 'fw/app.bin' as UpdateFilePath;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('UpdateFileDescriber', () => {
  let files: InMemoryBlobStore;
  let catalog: InMemoryUpdateFileCatalog;
  let describer: UpdateFileDescriber;
  beforeEach(() => {
    files = new InMemoryBlobStore();
    catalog = new InMemoryUpdateFileCatalog();
    describer = new UpdateFileDescriber(files, catalog, nodeSha256, new UpdateFileLocks(), nodeSignatureVerifier);
  });

  it('describes an opened file from its own bytes when the path holds another version by now', async () => {
    await files.put(path, bytes('version one'), { maxBytes: 100 });
    const opened = (await files.open(path))!;
    const two = await files.put(path, bytes('version two, longer'), { maxBytes: 100 });
    await catalog.put({
      path,
      size: two.size,
      sha256: two.sha256,
      modifiedAtMs: two.modifiedAt.getTime(),
      changeToken: two.changeToken,
      storedAt: '',
      image: undefined,
    });
    const entry = await describer.describeOpened(path, opened);
    expect(entry).to.include({ sha256: sha256('version one'), size: 11, changeToken: opened.info.changeToken });
    expect(await catalog.get(path), "the current version's entry stays").to.include({ sha256: two.sha256 });
    // The blob is still whole and unread for the download that opened it.
    const target = Buffer.alloc(32);
    expect(target.subarray(0, await opened.read(target, 0)).toString()).to.equal('version one');
    await opened.release();
  });

  it("reads again, once, a signed image's entry recorded before signatures were verified, to learn its blocks", async () => {
    const image = buildEspImage({ signatureBlocks: 2 });
    const stored = await files.put(
      path,
      (async function* () {
        yield image;
      })(),
      { maxBytes: 1 << 20 },
    );
    const fresh = await describer.describe(path);
    const { signatures: _signatures, ...older } = fresh?.image ?? ({} as EspImageInfo);
    await catalog.put({ ...(fresh as UpdateFile), image: older as EspImageInfo });
    expect((await catalog.get(path))?.image?.signatures).to.equal(undefined);
    const again = await describer.describe(path);
    expect(again?.image?.signatures?.map((block) => [block.scheme, block.verifies])).to.deep.equal([
      ['RSA-3072', false],
      ['RSA-3072', false],
    ]);
    expect((await catalog.get(path))?.image?.signatures).to.have.length(2);
    expect(again?.changeToken).to.equal(stored.changeToken);
  });

  it("reads again, once, an image's entry recorded before its appended SHA-256 was read (a delta patch's base)", async () => {
    const image = buildEspImage({ version: 'v1.0.0' });
    await files.put(
      path,
      (async function* () {
        yield image;
      })(),
      { maxBytes: 1 << 20 },
    );
    const fresh = await describer.describe(path);
    const expected = createHash('sha256')
      .update(image.subarray(0, image.length - 32))
      .digest('hex');
    expect(fresh?.image?.appendedSha256).to.equal(expected);
    const { appendedSha256: _appended, ...older } = fresh?.image ?? ({} as EspImageInfo);
    await catalog.put({ ...(fresh as UpdateFile), image: older as EspImageInfo });
    expect((await catalog.get(path))?.image?.appendedSha256).to.equal(undefined);
    const again = await describer.describe(path);
    expect(again?.image?.appendedSha256).to.equal(expected);
    expect((await catalog.get(path))?.image?.appendedSha256).to.equal(expected);
  });

  it('takes the recorded entry as it is while the file keeps its change token, and reads it again once it does not', async () => {
    const stored = await files.put(path, bytes('the bytes'), { maxBytes: 100 });
    const recorded = {
      path,
      size: 9,
      sha256: 'recorded',
      modifiedAtMs: 0,
      changeToken: stored.changeToken,
      storedAt: '',
      image: undefined,
    };
    await catalog.put(recorded);
    expect(await describer.describe(path)).to.equal(recorded);
    // An entry from before change tokens (or of another version) is made good from the bytes.
    await catalog.put({ ...recorded, changeToken: undefined });
    expect(await describer.describe(path)).to.include({ sha256: sha256('the bytes'), changeToken: stored.changeToken });
    expect(await catalog.get(path)).to.include({ sha256: sha256('the bytes') });
  });
});

/** A store whose reads wait until `letThrough()` is called; it counts the hashes begun (reads from byte 0). */
class GatedBlobStore extends InMemoryBlobStore {
  letThrough: () => void = () => {};
  private readonly gate: Promise<void> = new Promise((resolve) => {
    this.letThrough = resolve;
  });
  hashesBegun = 0;

  override async open(path: UpdateFilePath): Promise<OpenedBlob | undefined> {
    const opened = await super.open(path);
    if (opened === undefined) return undefined;
    return {
      ...opened,
      read: async (target, position) => {
        if (position === 0) this.hashesBegun += 1;
        await this.gate;
        return opened.read(target, position);
      },
    };
  }
}

const turns = async (count: number) => {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('UpdateFileDescriber re-describing while the path changes', () => {
  const config = { maxUploadBytes: 100_000, validateImages: false } as Config;
  let files: GatedBlobStore;
  let catalog: InMemoryUpdateFileCatalog;
  let locks: UpdateFileLocks;
  let describer: UpdateFileDescriber;
  beforeEach(async () => {
    files = new GatedBlobStore();
    catalog = new InMemoryUpdateFileCatalog();
    locks = new UpdateFileLocks();
    describer = new UpdateFileDescriber(files, catalog, nodeSha256, locks, nodeSignatureVerifier);
    // A file without an entry (copied in by hand): the next describe hashes it.
    await (await files.put(path, bytes('version one'), { maxBytes: 100 })).settle();
  });

  /** Starts a describe and waits until it is hashing (held at the gate). */
  async function describing(): Promise<{ pending: Promise<unknown> }> {
    const pending = describer.describe(path);
    while (files.hashesBegun === 0) await turns(1);
    return { pending }; // wrapped: an async function returning the promise itself would wait for it
  }

  it('does not overwrite the entry of an upload that replaced the file while the old version was hashed', async () => {
    const { pending } = await describing();
    const upload = new UploadUpdateFile(
      files,
      catalog,
      new InMemoryDeviceAppRepository(),
      config,
      locks,
      nodeSha256,
      nodeSignatureVerifier,
      new TrustedKeys([], new InMemoryTrustedKeyStore()),
    );
    // The upload does not read through open(): it completes while the describe waits at the gate.
    const uploaded = await upload.execute(path, bytes('version two'));
    files.letThrough();
    expect(await pending, 'the describe answers what it read').to.include({ sha256: sha256('version one') });
    expect(await catalog.get(path)).to.deep.equal(uploaded);
  });

  it('records no entry for a file deleted while it was hashed', async () => {
    // The deletion describes the file itself: a stored entry spares it the gated read.
    const stored = (await files.stat(path))!;
    await catalog.put({
      path,
      size: 11,
      sha256: sha256('version one'),
      modifiedAtMs: 0,
      changeToken: stored.changeToken,
      storedAt: '',
      image: undefined,
    });
    // An edit in place (a new token) makes the entry stale for the describe below.
    await (await files.put(path, bytes('version 1.1'), { maxBytes: 100 })).settle();
    const newer = (await files.stat(path))!;
    const { pending } = await describing();
    await catalog.put({
      path,
      size: 11,
      sha256: sha256('version 1.1'),
      modifiedAtMs: 0,
      changeToken: newer.changeToken,
      storedAt: '',
      image: undefined,
    });
    const remove = new DeleteUpdateFile(files, catalog, new InMemoryDeviceAppRepository(), describer, locks);
    await remove.execute(path);
    files.letThrough();
    await pending;
    expect(await catalog.get(path), 'no entry re-created after the deletion').to.equal(undefined);
  });

  it('hashes a changed file once for many concurrent describes, and records its entry', async () => {
    const all = Array.from({ length: 5 }, () => describer.describe(path));
    while (files.hashesBegun === 0) await turns(1);
    await turns(20);
    files.letThrough();
    const entries = await Promise.all(all);
    expect(files.hashesBegun).to.equal(1);
    for (const entry of entries) expect(entry).to.include({ sha256: sha256('version one') });
    expect(await catalog.get(path)).to.include({ sha256: sha256('version one') });
  });
});
