import { expect } from 'chai';
import { BlobDeltaPatchStore } from '../../../src/adapters/outbound/delta/blob-delta-patch-store.js';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import { DeltaPatchIndex } from '../../../src/app/delta/delta-patch-index.js';
import type { DeltaPatchInfo } from '../../../src/app/delta/delta-offers.js';
import { EDO1_HS8_7 } from '../../../src/domain/delta/delta-format.js';
import { makeDeltaPatch } from '../../../src/domain/delta/delta-patch.js';
import type { UpdateFile } from '../../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { imageDigest, release, sha256 } from '../../support/delta-images.js';
import { RecordingLogger } from '../../support/test-server.js';

const fileOf = (path: string, bytes: Buffer): UpdateFile => ({
  path: path as UpdateFilePath,
  size: bytes.length,
  sha256: sha256(bytes),
  modifiedAtMs: 0,
  storedAt: '2026-11-29T00:00:00.000Z',
  image: undefined,
});

describe('DeltaPatchIndex', () => {
  const v1 = release('1.0.0');
  const v2 = release('2.0.0');
  const v3 = release('3.0.0');
  const files = new Map([v1, v2, v3].map((bytes, i) => [sha256(bytes), fileOf(`fw/v${i + 1}.bin`, bytes)]));
  const idOf = (target: Buffer, base: Buffer) => `${sha256(target)}.${sha256(base)}.${EDO1_HS8_7}`;
  const patchOf = (base: Buffer, target: Buffer) => makeDeltaPatch(base, target, Buffer.from(imageDigest(base), 'hex'));

  /** A patch store whose listing waits for `release()` once its first id is given (a slow listing). */
  function slowListing(store: BlobDeltaPatchStore) {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let listing!: () => void;
    const listed = new Promise<void>((resolve) => (listing = resolve));
    const slow = Object.create(store) as BlobDeltaPatchStore;
    slow.list = async function* () {
      const ids: string[] = [];
      for await (const id of store.list()) ids.push(id);
      listing();
      await gate;
      yield* ids;
    };
    return { slow, listed, release: open };
  }

  it('keeps the puts and removals this server made while a reload read the listing (they are newer)', async () => {
    const store = new BlobDeltaPatchStore(new InMemoryBlobStore());
    const removed = idOf(v2, v1);
    await store.put(removed, patchOf(v1, v2));
    const { slow, listed, release: finish } = slowListing(store);
    const index = new DeltaPatchIndex({
      patches: slow,
      catalog: new InMemoryUpdateFileCatalog(),
      logger: new RecordingLogger(),
      knownFile: (digest) => files.get(digest),
    });
    const reload = index.reload();
    await listed;
    // While the listing (which holds `removed` and not `added`) is on its way: a build stores
    // one patch, an operator removes the other.
    const added = idOf(v3, v2);
    const stored = await store.put(added, patchOf(v2, v3));
    const info: DeltaPatchInfo = {
      id: added,
      format: EDO1_HS8_7,
      baseSha256: sha256(v2),
      baseImageSha256: imageDigest(v2),
      targetSha256: sha256(v3),
      targetSize: v3.length,
      size: stored.size,
      createdAt: stored.storedAt,
    };
    index.note(info);
    await store.delete(removed);
    index.forget(removed);
    finish();
    await reload;
    expect([...index.values()].map((patch) => patch.id)).to.deep.equal([added]);
    // A later reload reads the store as it is now.
    await index.reload();
    expect([...index.values()].map((patch) => patch.id)).to.deep.equal([added]);
  });

  it("reads a stored patch's facts: its header's base digest, its target's size; none for a missing target or a bad header", async () => {
    const store = new BlobDeltaPatchStore(new InMemoryBlobStore());
    const logger = new RecordingLogger();
    const index = new DeltaPatchIndex({
      patches: store,
      catalog: new InMemoryUpdateFileCatalog(),
      logger,
      knownFile: (digest) => files.get(digest),
    });
    const good = idOf(v2, v1);
    await store.put(good, patchOf(v1, v2));
    expect(await index.read(good)).to.include({ baseImageSha256: imageDigest(v1), targetSize: v2.length });
    const unknownTarget = `${'cd'.repeat(32)}.${sha256(v1)}.${EDO1_HS8_7}`;
    await store.put(unknownTarget, patchOf(v1, v2));
    expect(await index.read(unknownTarget)).to.equal(undefined);
    expect(await index.readOrphan(unknownTarget)).to.include({ id: unknownTarget, targetSize: 0 });
    const badHeader = idOf(v3, v1);
    await store.put(badHeader, new Uint8Array(64));
    expect(await index.read(badHeader)).to.equal(undefined);
    expect(logger.lines.some((line) => line.includes('no valid header'))).to.equal(true);
  });
});
