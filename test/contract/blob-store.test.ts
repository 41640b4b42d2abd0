import { mkdtemp, open, readdir, rename, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { nodeFileIo } from '../../src/adapters/outbound/filesystem/file-io.js';
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

  it('keeps the previous version aside only until settled or reverted: nothing is left behind', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await (await store.put(p('fw/a.bin'), chunks('one'), { maxBytes: 100 })).settle();
    const second = await store.put(p('fw/a.bin'), chunks('two'), { maxBytes: 100 });
    expect(
      (await readdir(join(dir, 'fw'))).filter((name) => name.includes('.previous-')),
      'kept aside meanwhile',
    ).to.have.length(1);
    await second.settle();
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['a.bin']);
    await (await store.put(p('fw/a.bin'), chunks('three'), { maxBytes: 100 })).revert();
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['a.bin']);
    expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('two');
  });

  it('removes a previous version that a crash left aside, and the new version stands', async () => {
    await mkdir(join(dir, 'fw'));
    await writeFile(join(dir, 'fw', '.a.bin.previous-0123456789ab'), 'old');
    await writeFile(join(dir, 'fw', 'a.bin'), 'new');
    await writeFile(join(dir, 'fw', '.a.bin.previous-notours'), 'not ours');
    const store = await FileSystemBlobStore.open(dir);
    expect((await readdir(join(dir, 'fw'))).sort()).to.deep.equal(['.a.bin.previous-notours', 'a.bin']);
    expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('new');
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

  describe("change tokens of files changed behind the store's back", () => {
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
      expect([edited.size, edited.mtimeNs], 'size and time as before, to the nanosecond').to.deep.equal([
        original.size,
        original.mtimeNs,
      ]);
      expect(await openedToken(store, 'a.bin')).to.not.equal(before);
    });
  });
});

describe('FileSystemBlobStore deletions', () => {
  let dir: string;
  let outside: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-files-'));
    outside = await mkdtemp(join(tmpdir(), 'fuota-outside-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('removes the directories a deletion leaves empty, up to the first one that is not, never the root', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await store.put(p('keep/x.bin'), chunks('x'), { maxBytes: 10 });
    await store.put(p('keep/a/b/c.bin'), chunks('c'), { maxBytes: 10 });
    await store.put(p('top.bin'), chunks('t'), { maxBytes: 10 });
    expect(await store.delete(p('keep/a/b/c.bin'))).to.equal(true);
    expect(await readdir(dir, { recursive: true })).to.have.members(['keep', 'keep/x.bin', 'top.bin']);
    expect(await store.delete(p('keep/x.bin'))).to.equal(true);
    expect(await store.delete(p('top.bin'))).to.equal(true);
    expect(await readdir(dir), 'the root stays, empty').to.deep.equal([]);
  });

  it('keeps a directory that holds anything else, a hidden file included', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await store.put(p('fw/a.bin'), chunks('a'), { maxBytes: 10 });
    await writeFile(join(dir, 'fw', '.notes'), "the operator's");
    expect(await store.delete(p('fw/a.bin'))).to.equal(true);
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['.notes']);
  });

  it('never follows a link out of the store, and removes a link inside it without its target', async () => {
    const store = await FileSystemBlobStore.open(dir);
    await writeFile(join(outside, 'secret.bin'), 'outside');
    await mkdir(join(dir, 'fw'));
    await symlink(join(outside, 'secret.bin'), join(dir, 'fw', 'link-out.bin'));
    await symlink(outside, join(dir, 'dir-out'));
    expect(await store.delete(p('fw/link-out.bin'))).to.equal(false);
    expect(await store.delete(p('dir-out/secret.bin'))).to.equal(false);
    expect(await readdir(outside)).to.deep.equal(['secret.bin']);
    expect(await readdir(join(dir, 'fw'))).to.deep.equal(['link-out.bin']);

    await store.put(p('fw/real.bin'), chunks('inside'), { maxBytes: 10 });
    await symlink(join(dir, 'fw', 'real.bin'), join(dir, 'fw', 'link-in.bin'));
    // Listed as served: the link inside, never the one out.
    const listed: string[] = [];
    for await (const path of store.list()) listed.push(path);
    expect(listed.sort()).to.deep.equal(['fw/link-in.bin', 'fw/real.bin']);
    expect(await store.delete(p('fw/link-in.bin'))).to.equal(true);
    expect((await readdir(join(dir, 'fw'))).sort()).to.deep.equal(['link-out.bin', 'real.bin']);
    expect((await readAll(store, 'fw/real.bin'))?.toString()).to.equal('inside');
  });

  it('stores an upload whose new directory a deletion removed just before the upload created its temporary', async () => {
    // The deletion of the directory's last file lands between the upload's mkdir and its open.
    let raced = false;
    const io = {
      open: async (path: string, flags: string, mode?: number) => {
        if (!raced && path.includes('.upload-')) {
          raced = true;
          await rm(join(dir, 'fw'), { recursive: true });
        }
        return nodeFileIo.open(path, flags, mode);
      },
    };
    const store = await FileSystemBlobStore.open(dir, { io });
    await store.put(p('fw/b.bin'), chunks('b'), { maxBytes: 10 });
    expect(raced).to.equal(true);
    expect((await readAll(store, 'fw/b.bin'))?.toString()).to.equal('b');
  });
});
