import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';
import type { BlobStore } from '../../src/ports/blob-store.port.js';

export const p = (value: string) => value as UpdateFilePath;

export async function* chunks(...parts: Array<string | Buffer>): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

export async function* failingAfter(part: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(part);
  throw new Error('connection reset');
}

export async function readAll(
  store: BlobStore,
  path: string,
  range?: { start: number; end: number },
): Promise<Buffer | undefined> {
  const opened = await store.open(p(path));
  if (opened === undefined) return undefined;
  const out: Buffer[] = [];
  for await (const chunk of opened.content(range)) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

const LIMIT = { maxBytes: 1 << 20 };

/** What every BlobStore adapter promises. */
export function blobStoreContract(
  name: string,
  hooks: { open: () => Promise<BlobStore>; cleanup?: () => Promise<void> },
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await hooks.open();
    });
    afterEach(async () => {
      await store.close();
      await hooks.cleanup?.();
    });

    it('stores bytes, returns size and SHA-256, and reads them back whole and by range', async () => {
      const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      const stored = await store.put(p('fw/app.bin'), chunks(content.subarray(0, 1000), content.subarray(1000)), LIMIT);
      expect(stored).to.include({ size: 70_000, sha256: createHash('sha256').update(content).digest('hex') });
      // The time reported is the one stat and open report: the catalog tells stale entries by it.
      expect(stored.modifiedAt.getTime()).to.equal((await store.stat(p('fw/app.bin')))?.modifiedAt.getTime());
      expect((await readAll(store, 'fw/app.bin'))?.equals(content)).to.equal(true);
      expect(
        (await readAll(store, 'fw/app.bin', { start: 65_530, end: 65_545 }))?.equals(content.subarray(65_530, 65_546)),
      ).to.equal(true);
      expect(await store.stat(p('fw/app.bin'))).to.have.property('size', 70_000);
    });

    it('gives every stored version a change token of its own, as put, stat and open report it', async () => {
      const first = await store.put(p('fw/app.bin'), chunks('same bytes'), LIMIT);
      expect((await store.stat(p('fw/app.bin')))?.changeToken).to.equal(first.changeToken);
      const opened = (await store.open(p('fw/app.bin')))!;
      expect(opened.info.changeToken).to.equal(first.changeToken);
      await opened.release();
      // The very same bytes again are another version: an entry describes one version.
      const second = await store.put(p('fw/app.bin'), chunks('same bytes'), LIMIT);
      expect(second.changeToken).to.not.equal(first.changeToken);
      expect((await store.stat(p('fw/app.bin')))?.changeToken).to.equal(second.changeToken);
      expect((await store.put(p('fw/other.bin'), chunks('same bytes'), LIMIT)).changeToken).to.not.equal(
        second.changeToken,
      );
    });

    it('stores an empty file', async () => {
      expect(await store.put(p('empty.bin'), chunks(), LIMIT)).to.have.property('size', 0);
      expect((await readAll(store, 'empty.bin'))?.length).to.equal(0);
    });

    it('answers undefined for what is not stored, including a directory', async () => {
      await store.put(p('dir/file.bin'), chunks('x'), LIMIT);
      expect(await store.stat(p('missing.bin'))).to.equal(undefined);
      expect(await store.open(p('missing.bin'))).to.equal(undefined);
      expect(await store.stat(p('dir'))).to.equal(undefined);
      expect(await store.open(p('dir'))).to.equal(undefined);
      expect(await store.stat(p('dir/file.bin/deeper'))).to.equal(undefined);
    });

    it('replaces a file whole, and stat reports each version as soon as it is stored', async () => {
      expect(await store.stat(p('a.bin'))).to.equal(undefined);
      await store.put(p('a.bin'), chunks('first version, longer'), LIMIT);
      expect(await store.stat(p('a.bin'))).to.have.property('size', 21);
      await store.put(p('a.bin'), chunks('second'), LIMIT);
      expect(await store.stat(p('a.bin'))).to.have.property('size', 6);
      expect((await readAll(store, 'a.bin'))?.toString()).to.equal('second');
    });

    it('keeps the previous version when an upload fails midway or grows too large', async () => {
      await store.put(p('a.bin'), chunks('old'), LIMIT);
      const broken = await store.put(p('a.bin'), failingAfter('new but cut'), LIMIT).catch((e: Error) => e);
      expect(broken).to.be.instanceOf(Error);
      const tooLarge = await store
        .put(p('a.bin'), chunks('0123456789', 'abc'), { maxBytes: 12 })
        .catch((e: unknown) => e);
      expect(tooLarge).to.have.property('code', 'payload-too-large');
      expect((await readAll(store, 'a.bin'))?.toString()).to.equal('old');
      const fresh = await store.put(p('b.bin'), failingAfter('x'), LIMIT).catch((e: Error) => e);
      expect(fresh).to.be.instanceOf(Error);
      expect(await store.stat(p('b.bin'))).to.equal(undefined);
    });

    it('takes a publication back on revert: the previous bytes again, or no file when there was none', async () => {
      await (await store.put(p('fw/a.bin'), chunks('previous'), LIMIT)).settle();
      const replacing = await store.put(p('fw/a.bin'), chunks('refused new version'), LIMIT);
      expect((await readAll(store, 'fw/a.bin'))?.toString(), 'visible until reverted').to.equal('refused new version');
      await replacing.revert();
      expect((await readAll(store, 'fw/a.bin'))?.toString()).to.equal('previous');
      expect(await store.stat(p('fw/a.bin'))).to.have.property('size', 8);

      const fresh = await store.put(p('fw/new/b.bin'), chunks('refused'), LIMIT);
      await fresh.revert();
      expect(await store.stat(p('fw/new/b.bin'))).to.equal(undefined);
      expect(await store.open(p('fw/new/b.bin'))).to.equal(undefined);
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed).to.deep.equal(['fw/a.bin']);
      // The name is free again, for a file or a directory.
      await (await store.put(p('fw/new'), chunks('a file now'), LIMIT)).settle();
      expect((await readAll(store, 'fw/new'))?.toString()).to.equal('a file now');
    });

    it('keeps the new version on settle, and a later revert of another upload puts back the settled one', async () => {
      await (await store.put(p('a.bin'), chunks('one'), LIMIT)).settle();
      await (await store.put(p('a.bin'), chunks('two'), LIMIT)).settle();
      expect((await readAll(store, 'a.bin'))?.toString()).to.equal('two');
      await (await store.put(p('a.bin'), chunks('three'), LIMIT)).revert();
      expect((await readAll(store, 'a.bin'))?.toString()).to.equal('two');
    });

    it('reads the version it opened even if the path is replaced meanwhile', async () => {
      await store.put(p('a.bin'), chunks('version one'), LIMIT);
      const opened = await store.open(p('a.bin'));
      await store.put(p('a.bin'), chunks('version two!'), LIMIT);
      const out: Buffer[] = [];
      for await (const chunk of opened!.content()) out.push(Buffer.from(chunk));
      expect(Buffer.concat(out).toString()).to.equal('version one');
      expect(opened!.info.size).to.equal(11);
    });

    it('reads into a buffer of the caller at any position, a short count only at the end', async () => {
      const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 253));
      await store.put(p('fw/app.bin'), chunks(content.subarray(0, 500), content.subarray(500)), LIMIT);
      const opened = (await store.open(p('fw/app.bin')))!;
      const target = Buffer.alloc(65_536, 0xee);
      expect(await opened.read(target, 0)).to.equal(65_536);
      expect(target.equals(content.subarray(0, 65_536))).to.equal(true);
      // The same buffer again, further on: every byte is overwritten with the new position's.
      expect(await opened.read(target.subarray(0, 1000), 65_000)).to.equal(1000);
      expect(target.subarray(0, 1000).equals(content.subarray(65_000, 66_000))).to.equal(true);
      const tail = Buffer.alloc(10, 0xee);
      expect(await opened.read(tail, 69_995)).to.equal(5);
      expect(tail.subarray(0, 5).equals(content.subarray(69_995))).to.equal(true);
      expect(tail.subarray(5).equals(Buffer.alloc(5, 0xee)), 'bytes past the end left as they were').to.equal(true);
      expect(await opened.read(tail, 70_000)).to.equal(0);
      expect(await opened.read(tail, 80_000)).to.equal(0);
      await opened.release();
    });

    it('reads by read() the version it opened even if the path is replaced meanwhile', async () => {
      await store.put(p('a.bin'), chunks('version one'), LIMIT);
      const opened = (await store.open(p('a.bin')))!;
      await store.put(p('a.bin'), chunks('version two, longer'), LIMIT);
      const target = Buffer.alloc(64);
      const count = await opened.read(target, 0);
      await opened.release();
      expect(target.subarray(0, count).toString()).to.equal('version one');
    });

    it('lists every stored path and nothing else', async () => {
      await store.put(p('a.bin'), chunks('1'), LIMIT);
      await store.put(p('x/y/z.bin'), chunks('2'), LIMIT);
      await store.put(p('a.bin'), failingAfter('3'), LIMIT).catch(() => {});
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed.sort()).to.deep.equal(['a.bin', 'x/y/z.bin']);
    });

    it('deletes a stored file: no longer stat-ed, opened or listed; false for what is not stored', async () => {
      await store.put(p('fw/a.bin'), chunks('a'), LIMIT);
      await store.put(p('fw/b.bin'), chunks('b'), LIMIT);
      expect(await store.delete(p('fw/a.bin'))).to.equal(true);
      expect(await store.stat(p('fw/a.bin'))).to.equal(undefined);
      expect(await store.open(p('fw/a.bin'))).to.equal(undefined);
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed).to.deep.equal(['fw/b.bin']);
      expect(await store.delete(p('fw/a.bin')), 'deleted already').to.equal(false);
      expect(await store.delete(p('missing.bin'))).to.equal(false);
      expect(await store.delete(p('fw')), 'a directory is not a stored file').to.equal(false);
      expect(await store.delete(p('fw/b.bin/deeper'))).to.equal(false);
      expect((await readAll(store, 'fw/b.bin'))?.toString()).to.equal('b');
    });

    it('lets a reader that opened a file before its deletion read it whole', async () => {
      await store.put(p('a.bin'), chunks('still readable'), LIMIT);
      const opened = (await store.open(p('a.bin')))!;
      expect(await store.delete(p('a.bin'))).to.equal(true);
      const out: Buffer[] = [];
      for await (const chunk of opened.content()) out.push(Buffer.from(chunk));
      expect(Buffer.concat(out).toString()).to.equal('still readable');
    });

    it("frees a deleted file's name and its directories' names for new files", async () => {
      await store.put(p('a/b/c.bin'), chunks('deep'), LIMIT);
      expect(await store.delete(p('a/b/c.bin'))).to.equal(true);
      await store.put(p('a/b/c.bin'), chunks('again'), LIMIT);
      expect((await readAll(store, 'a/b/c.bin'))?.toString()).to.equal('again');
      expect(await store.delete(p('a/b/c.bin'))).to.equal(true);
      // `a` was a directory of the deleted file: now it can be a file.
      await store.put(p('a'), chunks('a file now'), LIMIT);
      expect((await readAll(store, 'a'))?.toString()).to.equal('a file now');
    });

    it('answers a path that clashes with a file or directory with file-path-conflict, keeping what is stored', async () => {
      await store.put(p('a'), chunks('file'), LIMIT);
      expect(await store.put(p('a/b.bin'), chunks('x'), LIMIT).catch((e: unknown) => e)).to.have.property(
        'code',
        'file-path-conflict',
      );
      expect(await store.put(p('a/b/c.bin'), chunks('x'), LIMIT).catch((e: unknown) => e)).to.have.property(
        'code',
        'file-path-conflict',
      );
      await store.put(p('d/e/x.bin'), chunks('x'), LIMIT);
      expect(await store.put(p('d'), chunks('x'), LIMIT).catch((e: unknown) => e)).to.have.property(
        'code',
        'file-path-conflict',
      );
      expect(await store.put(p('d/e'), chunks('x'), LIMIT).catch((e: unknown) => e)).to.have.property(
        'code',
        'file-path-conflict',
      );
      expect((await readAll(store, 'a'))?.toString()).to.equal('file');
      expect((await readAll(store, 'd/e/x.bin'))?.toString()).to.equal('x');
      const listed: string[] = [];
      for await (const path of store.list()) listed.push(path);
      expect(listed.sort()).to.deep.equal(['a', 'd/e/x.bin']);
      // A name that merely begins like a stored one is no clash.
      await store.put(p('ab.bin'), chunks('y'), LIMIT);
      await store.put(p('d2'), chunks('y'), LIMIT);
    });

    it('can release an opened file without reading it', async () => {
      await store.put(p('a.bin'), chunks('1'), LIMIT);
      const opened = await store.open(p('a.bin'));
      await opened!.release();
    });
  });
}
