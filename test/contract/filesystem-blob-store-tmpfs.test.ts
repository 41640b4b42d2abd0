import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import type { SmallDisk } from '../support/small-disk.js';
import { mountSmallDisk } from '../support/small-disk.js';
import { chunks, p, readAll } from './blob-store.contract.js';

/** The real store on a real 1 MiB tmpfs: the kernel's own short writes and ENOSPC, no injection. */
describe('FileSystemBlobStore on a full 1 MiB tmpfs (needs mount; skipped where not permitted)', () => {
  let disk: SmallDisk | undefined;
  before(async function () {
    disk = await mountSmallDisk(this, 1024 * 1024);
  });
  after(async () => {
    await disk?.unmount();
  });

  it('fails an upload bigger than the free space with storage-full, keeps the previous version, leaves no temporary', async () => {
    const mountPoint = disk?.dir ?? '';
    const store = await FileSystemBlobStore.open(join(mountPoint, 'files'));
    const previous = Buffer.alloc(175_856, 0x11);
    await store.put(p('fw/app.bin'), chunks(previous), { maxBytes: 4 << 20 });
    const bigger = Buffer.alloc(1 << 20, 0x22);
    const failed = await store
      .put(p('fw/app.bin'), chunks(bigger.subarray(0, 65_536), bigger.subarray(65_536)), { maxBytes: 4 << 20 })
      .catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'storage-full');
    expect((await readAll(store, 'fw/app.bin'))?.equals(previous)).to.equal(true);
    expect(await readdir(join(mountPoint, 'files', 'fw'))).to.deep.equal(['app.bin']);
    // The space the failed upload took is free again: a file that fits is stored.
    await store.put(p('fw/small.bin'), chunks(Buffer.alloc(300_000, 0x33)), { maxBytes: 4 << 20 });
    expect(await store.stat(p('fw/small.bin'))).to.have.property('size', 300_000);
  });
});
