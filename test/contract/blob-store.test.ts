import { mkdtemp, open, readdir, rename, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileSystemBlobStore } from '../../src/adapters/outbound/filesystem/filesystem-blob-store.js';
import { InMemoryBlobStore } from '../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { afterFileClockTick, restoreModificationTime } from '../support/file-clock.js';
import { blobStoreContract, chunks, failingAfter, p, readAll } from './blob-store.contract.js';

blobStoreContract('in-memory', { open: async () => new InMemoryBlobStore() });

let root = '';
blobStoreContract('filesystem', {
  open: async () => {
    root = await mkdtemp(join(tmpdir(), 'fuota-files-'));
    return FileSystemBlobStore.open(root);
  },
  cleanup: () => rm(root, { recursive: true, force: true }),
});

describe('FileSystemBlobStore specifics', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-files-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps files at their path under the root and leaves no temporary behind a failed upload', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await store.put(p('fw/a.bin'), chunks('abc'), { maxBytes: 100 });
    await store.put(p('fw/a.bin'), failingAfter('partial'), { maxBytes: 100 }).catch(() => {});
    await store.put(p('fw/a.bin'), chunks('0123456789'), { maxBytes: 5 }).catch(() => {});
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['a.bin']);
  });

  it('removes upload temporaries that a crash left behind, and nothing else', async () => {
    await mkdir(join(dir, 'fw'));
    await writeFile(join(dir, 'fw', '.a.bin.upload-0123456789ab'), 'half');
    await writeFile(join(dir, 'fw', 'a.bin'), 'whole');
    await writeFile(join(dir, '.keep'), 'not ours');
    const store = await FileSystemBlobStore.open(dir);
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['a.bin']);
    expect(await readdir(dir)).to.include('.keep');
    expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('whole');
  });

  it('answers a path that clashes with a file or directory with file-path-conflict', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await store.put(p('a'), chunks('file'), { maxBytes: 100 });
    expect(await store.put(p('a/b.bin'), chunks('x'), { maxBytes: 100 }).catch((e: unknown) => e)).to.have.property('code', 'file-path-conflict');
    await store.put(p('d/x.bin'), chunks('x'), { maxBytes: 100 });
    expect(await store.put(p('d'), chunks('x'), { maxBytes: 100 }).catch((e: unknown) => e)).to.have.property('code', 'file-path-conflict');
    expect((await readAll(store, 'a'))?.toString()).to.equal('file');
  });

  it('re-checks paths itself, so a caller cannot leave the root', async () => {
    const store = await FileSystemBlobStore.open(join(dir, 'files'));
    await writeFile(join(dir, 'secret'), 'key');
    for (const path of ['../secret', '/etc/passwd', 'a/../../secret']) {
      expect(await store.open(p(path)).catch((e: unknown) => e), path).to.have.property('code', 'invalid-file-path');
    }
  });

  it('lists no hidden files and no symlinked directories twice', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await store.put(p('a.bin'), chunks('1'), { maxBytes: 10 });
    await writeFile(join(dir, '.hidden'), 'x');
    await symlink(dir, join(dir, 'loop'));
    const listed: string[] = [];
    for await (const path of store.list()) listed.push(path);
    expect(listed).to.deep.equal(['a.bin']);
  });

  describe('change tokens of files changed behind the store\'s back', () => {
    /** The file's token as open() reports it (stat() may answer from its short-lived cache). */
    async function openedToken(store: FileSystemBlobStore, path: string): Promise<string | undefined> {
      const opened = await store.open(p(path));
      await opened?.release();
      return opened?.info.changeToken;
    }

    it('differ for a file of the same size and modification time renamed in', async () => {
      const store = await FileSystemBlobStore.open(dir);
      await store.put(p('a.bin'), chunks('version one'), { maxBytes: 100 });
      const before = await openedToken(store, 'a.bin');
      const { mtimeNs } = await stat(join(dir, 'a.bin'), { bigint: true });
      await writeFile(join(dir, '.incoming'), 'version two');
      await restoreModificationTime(join(dir, '.incoming'), mtimeNs);
      await rename(join(dir, '.incoming'), join(dir, 'a.bin'));
      expect(await openedToken(store, 'a.bin')).to.not.equal(before);
    });

    it('differ after an edit in place that puts size and modification time back', async () => {
      const store = await FileSystemBlobStore.open(dir);
      await store.put(p('a.bin'), chunks('version one'), { maxBytes: 100 });
      const before = await openedToken(store, 'a.bin');
      const original = await stat(join(dir, 'a.bin'), { bigint: true });
      await afterFileClockTick(dir, original.ctimeNs);
      const handle = await open(join(dir, 'a.bin'), 'r+');
      await handle.write('VERSION', 0);
      await handle.close();
      await restoreModificationTime(join(dir, 'a.bin'), original.mtimeNs);
      const edited = await stat(join(dir, 'a.bin'), { bigint: true });
      expect([edited.size, edited.mtimeNs], 'size and time as before, to the nanosecond').to.deep.equal([original.size, original.mtimeNs]);
      expect(await openedToken(store, 'a.bin')).to.not.equal(before);
    });
  });
});
