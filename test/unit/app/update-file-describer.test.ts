import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import { UpdateFileDescriber } from '../../../src/app/firmware/update-file-describer.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { nodeSha256 } from '../../../src/adapters/outbound/crypto/node-sha256.js';

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
    describer = new UpdateFileDescriber(files, catalog, nodeSha256);
  });

  it('describes an opened file from its own bytes when the path holds another version by now', async () => {
    await files.put(path, bytes('version one'), { maxBytes: 100 });
    const opened = (await files.open(path))!;
    const two = await files.put(path, bytes('version two, longer'), { maxBytes: 100 });
    await catalog.put({ path, size: two.size, sha256: two.sha256, modifiedAtMs: two.modifiedAt.getTime(), changeToken: two.changeToken, storedAt: '', image: undefined });
    const entry = await describer.describeOpened(path, opened);
    expect(entry).to.include({ sha256: sha256('version one'), size: 11, changeToken: opened.info.changeToken });
    // The blob is still whole and unread for the download that opened it.
    const target = Buffer.alloc(32);
    expect(target.subarray(0, await opened.read(target, 0)).toString()).to.equal('version one');
    await opened.release();
  });

  it('takes the recorded entry as it is while the file keeps its change token, and reads it again once it does not', async () => {
    const stored = await files.put(path, bytes('the bytes'), { maxBytes: 100 });
    const recorded = { path, size: 9, sha256: 'recorded', modifiedAtMs: 0, changeToken: stored.changeToken, storedAt: '', image: undefined };
    await catalog.put(recorded);
    expect(await describer.describe(path)).to.equal(recorded);
    // An entry from before change tokens (or of another version) is made good from the bytes.
    await catalog.put({ ...recorded, changeToken: undefined });
    expect(await describer.describe(path)).to.include({ sha256: sha256('the bytes'), changeToken: stored.changeToken });
    expect(await catalog.get(path)).to.include({ sha256: sha256('the bytes') });
  });
});
