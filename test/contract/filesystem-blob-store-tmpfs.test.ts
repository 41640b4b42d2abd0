import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { chunks, p, readAll } from './blob-store.contract.js';

const run = promisify(execFile);

/** The real store on a real 1 MiB tmpfs: the kernel's own short writes and ENOSPC, no injection. */
describe('FileSystemBlobStore on a full 1 MiB tmpfs (needs mount; skipped where not permitted)', () => {
  let mountPoint = '';
  let mounted = false;
  before(async function () {
    mountPoint = await mkdtemp(join(tmpdir(), 'fuota-tmpfs-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
      mounted = true;
    } catch (error) {
      console.warn(`      (skipped: cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]})`);
      this.skip();
    }
  });
  after(async () => {
    if (mounted) await run('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('fails an upload bigger than the free space with storage-full, keeps the previous version, leaves no temporary', async () => {
    const store = await FileSystemBlobStore.open(join(mountPoint, 'files'));
    const previous = Buffer.alloc(175_856, 0x11);
    await store.put(p('fw/app.bin'), chunks(previous), { maxBytes: 4 << 20 });
    const bigger = Buffer.alloc(1 << 20, 0x22);
    const failed = await store.put(p('fw/app.bin'), chunks(bigger.subarray(0, 65_536), bigger.subarray(65_536)), { maxBytes: 4 << 20 }).catch((e: unknown) => e);
    expect(failed).to.have.property('code', 'storage-full');
    expect((await readAll(store, 'fw/app.bin'))?.equals(previous)).to.equal(true);
    expect(await readdir(join(mountPoint, 'files', 'fw'))).to.deep.equal(['app.bin']);
    // The space the failed upload took is free again: a file that fits is stored.
    await store.put(p('fw/small.bin'), chunks(Buffer.alloc(300_000, 0x33)), { maxBytes: 4 << 20 });
    expect(await store.stat(p('fw/small.bin'))).to.have.property('size', 300_000);
  });
});
