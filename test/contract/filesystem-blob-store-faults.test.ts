import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { FaultyFileIo } from '../support/faulty-file-io.js';
import { chunks, p, readAll } from './blob-store.contract.js';

const LIMIT = { maxBytes: 1 << 20 };
const NEW_VERSION = Buffer.from(Array.from({ length: 175_856 }, (_, i) => (i * 31) % 256));

/** Every name below `directory`, hidden ones included, relative to it. */
async function everyName(directory: string): Promise<string[]> {
  return (await readdir(directory, { recursive: true })).map(String).sort();
}

/** What the file store does when the disk fills or fails under an upload (fault injection). */
describe('FileSystemBlobStore on a failing disk', () => {
  let dir: string;
  let io: FaultyFileIo;
  let store: FileSystemBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-faulty-files-'));
    io = new FaultyFileIo();
    store = await FileSystemBlobStore.open(dir, { io });
    await store.put(p('fw/app.bin'), chunks('the previous version'), LIMIT);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** The previous version is served whole, and nothing but it is left in the store. */
  async function expectPreviousVersionOnly(): Promise<void> {
    expect((await readAll(store, 'fw/app.bin'))?.toString()).to.equal('the previous version');
    expect(await store.stat(p('fw/app.bin'))).to.have.property('size', 20);
    expect(await everyName(dir), 'no temporary left behind').to.deep.equal(['fw', 'fw/app.bin']);
  }

  it('continues short writes until every byte is stored', async () => {
    io.inject({ on: 'write', fault: 'short', times: Infinity });
    const stored = await store.put(
      p('fw/app.bin'),
      chunks(NEW_VERSION.subarray(0, 65_536), NEW_VERSION.subarray(65_536)),
      LIMIT,
    );
    expect(stored.size).to.equal(NEW_VERSION.length);
    expect(io.fired.filter((fault) => fault.startsWith('short')).length, 'writes were cut short').to.be.above(2);
    expect(
      (await readAll(store, 'fw/app.bin'))?.equals(NEW_VERSION),
      'the whole file, not what the first writes took',
    ).to.equal(true);
  });

  it('fails an upload that does not fit with storage-full, keeps the previous version and removes the temporary', async () => {
    // 122,880 bytes fit: the next write is cut short there, and the one after gets ENOSPC.
    io.fillDisk(122_880);
    const failed = await store
      .put(p('fw/app.bin'), chunks(NEW_VERSION.subarray(0, 100_000), NEW_VERSION.subarray(100_000)), LIMIT)
      .catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'storage-full');
    expect(String((failed as Error).message)).to.match(/storing fw\/app\.bin failed: the disk is full \(ENOSPC\)/);
    expect(
      io.fired.some((fault) => fault.startsWith('short write')),
      'a short write happened',
    ).to.equal(true);
    await expectPreviousVersionOnly();
    // Once space is freed, the same upload succeeds without a restart.
    io.freeDisk();
    await store.put(p('fw/app.bin'), chunks(NEW_VERSION), LIMIT);
    expect((await readAll(store, 'fw/app.bin'))?.equals(NEW_VERSION)).to.equal(true);
  });

  it('fails a new path that does not fit and leaves no file and no temporary', async () => {
    io.fillDisk(1000);
    expect(await store.put(p('fw/new.bin'), chunks(NEW_VERSION), LIMIT).catch((e: unknown) => e)).to.have.property(
      'code',
      'storage-full',
    );
    expect(await store.stat(p('fw/new.bin'))).to.equal(undefined);
    await expectPreviousVersionOnly();
  });

  it('answers storage-full when the disk cannot even create the temporary', async () => {
    io.inject({ on: 'open', fault: 'ENOSPC' });
    expect(await store.put(p('fw/app.bin'), chunks('new'), LIMIT).catch((e: unknown) => e)).to.have.property(
      'code',
      'storage-full',
    );
    await expectPreviousVersionOnly();
  });

  for (const on of ['write', 'sync', 'close'] as const) {
    it(`fails on EIO in ${on} (a fault, not a full disk), keeps the previous version and removes the temporary`, async () => {
      io.inject({ on, fault: 'EIO', path: /\.upload-/ });
      const failed = await store
        .put(p('fw/app.bin'), chunks('a new version that fails'), LIMIT)
        .catch((e: unknown) => e);
      expect(failed).to.have.property('code', 'EIO');
      expect(io.fired).to.have.lengthOf(1);
      await expectPreviousVersionOnly();
    });
  }

  it('puts the previous version back when the directory fsync after the rename fails', async () => {
    // The directory is opened for its fsync by its own path: the store's root's `fw`.
    io.inject({ on: 'sync', fault: 'ENOSPC', path: /fw$/ });
    const failed = await store
      .put(p('fw/app.bin'), chunks('published but not durable'), LIMIT)
      .catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'storage-full');
    expect(io.fired).to.have.lengthOf(1);
    await expectPreviousVersionOnly();
  });

  it('removes a new file (and the directories made for it) when the directory fsync after the rename fails', async () => {
    io.inject({ on: 'sync', fault: 'EIO', path: /deep$/ });
    const failed = await store
      .put(p('fw/new/deep/b.bin'), chunks('published but not durable'), LIMIT)
      .catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'EIO');
    expect(await store.stat(p('fw/new/deep/b.bin'))).to.equal(undefined);
    await expectPreviousVersionOnly();
  });

  it('removes the temporary when the rename fails (the path is a directory by now)', async () => {
    await store.put(p('fw/dir/x.bin'), chunks('x'), LIMIT);
    expect(
      await store.put(p('fw/dir'), chunks('a file where a directory is'), LIMIT).catch((e: unknown) => e),
    ).to.have.property('code', 'file-path-conflict');
    expect(await everyName(dir)).to.deep.equal(['fw', 'fw/app.bin', 'fw/dir', 'fw/dir/x.bin']);
  });

  it('fails the health probe on a disk that takes only part of it, and leaves no probe behind', async () => {
    io.fillDisk(8);
    expect(await store.checkHealth().catch((e: unknown) => e)).to.have.property('code', 'ENOSPC');
    expect(await everyName(dir)).to.deep.equal(['fw', 'fw/app.bin']);
    io.freeDisk().inject({ on: 'write', fault: 'short' });
    await store.checkHealth();
  });
});
