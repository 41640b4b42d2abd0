import { expect } from 'chai';
import { InMemoryBlobStore } from '../../../src/adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryUpdateFileCatalog } from '../../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { warnOfMissingFiles } from '../../../src/main/bootstrap/missing-files-warning.js';
import type { UpdateFileCatalog } from '../../../src/ports/update-file-catalog.port.js';
import { imageFile } from '../../support/image-files.js';
import { RecordingLogger } from '../../support/test-server.js';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

describe('the start-up warning of update files the file store does not hold', () => {
  const where = 's3://fleet at http://minio:9000 (us-east-1)';

  it('warns when the store holds none of the files the database lists, naming the store', async () => {
    const catalog = new InMemoryUpdateFileCatalog();
    for (const name of ['a', 'b', 'c', 'd']) await catalog.put(imageFile(`fw/${name}.bin`, { version: '1.0.0' }));
    const logger = new RecordingLogger();
    await warnOfMissingFiles(catalog, new InMemoryBlobStore(), where, logger);
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]).to.match(/^warn the file store holds none of the update files the database lists/);
    expect(logger.lines[0]).to.include(where).and.include('"checked":4').and.include('FUOTA_BLOB_URL');
  });

  it('says nothing when the store holds one of them, when nothing is listed, or when it cannot read', async () => {
    const catalog = new InMemoryUpdateFileCatalog();
    await catalog.put(imageFile('fw/a.bin', { version: '1.0.0' }));
    await catalog.put(imageFile('fw/b.bin', { version: '1.0.0' }));
    const files = new InMemoryBlobStore();
    await (await files.put('fw/b.bin' as UpdateFilePath, once(new Uint8Array(8)), { maxBytes: 100 })).settle();
    const logger = new RecordingLogger();
    await warnOfMissingFiles(catalog, files, where, logger);
    await warnOfMissingFiles(new InMemoryUpdateFileCatalog(), new InMemoryBlobStore(), where, logger);
    const unreadable = {
      list: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('database down')) }),
      }),
    } as unknown as UpdateFileCatalog;
    await warnOfMissingFiles(unreadable, files, where, logger);
    expect(logger.lines).to.deep.equal([]);
  });
});
