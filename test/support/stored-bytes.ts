import type { InMemoryBlobStore } from '../../src/adapters/outbound/memory/in-memory-blob-store.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';

/** Some bytes stored at `path`, for tests that ask only whether a file is there. */
export async function storeBytes(files: InMemoryBlobStore, path: string): Promise<void> {
  const stored = await files.put(
    path as UpdateFilePath,
    (async function* () {
      yield Buffer.from('image bytes');
    })(),
    { maxBytes: 1024 },
  );
  await stored.settle();
}
