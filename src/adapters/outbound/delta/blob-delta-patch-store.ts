import { DomainError } from '../../../domain/domain-error.js';
import { parseDeltaPatchId } from '../../../domain/delta/delta-patch-id.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type { BlobStore, OpenedBlob } from '../../../ports/blob-store.port.js';
import type { DeltaPatchStore, StoredDeltaPatch } from '../../../ports/delta-patch-store.port.js';

/**
 * Patches kept in a blob store of their own (the filesystem's `deltas/` beside `files/`, the
 * bucket's `<prefix>/.deltas/`, or memory), one blob per patch named by its id. A patch id is a
 * valid one-segment file path (hex, dots, the format's letters), so every blob store adapter
 * takes it as it is, with its durability, change tokens and readers that keep their version.
 */
export class BlobDeltaPatchStore implements DeltaPatchStore {
  constructor(private readonly blobs: BlobStore) {}

  async put(id: string, patch: Uint8Array): Promise<StoredDeltaPatch> {
    const stored = await this.blobs.put(
      pathOf(id),
      (async function* () {
        yield patch;
      })(),
      { maxBytes: patch.length },
    );
    await stored.settle();
    return { id, size: stored.size, storedAt: stored.modifiedAt.getTime() };
  }

  async stat(id: string): Promise<StoredDeltaPatch | undefined> {
    const info = await this.blobs.stat(pathOf(id), { fresh: true });
    return info === undefined ? undefined : { id, size: info.size, storedAt: info.modifiedAt.getTime() };
  }

  async readHead(id: string, length: number): Promise<Uint8Array | undefined> {
    const opened = await this.blobs.open(pathOf(id));
    if (opened === undefined) return undefined;
    try {
      const head = new Uint8Array(Math.min(length, opened.info.size));
      let filled = 0;
      while (filled < head.length) {
        const count = await opened.read(head.subarray(filled), filled);
        if (count === 0) break;
        filled += count;
      }
      return head.subarray(0, filled);
    } finally {
      await opened.release();
    }
  }

  open(id: string): Promise<OpenedBlob | undefined> {
    return this.blobs.open(pathOf(id));
  }

  delete(id: string): Promise<boolean> {
    return this.blobs.delete(pathOf(id));
  }

  async *list(): AsyncIterable<string> {
    // Anything else there (a file copied in by hand) is not a patch: not listed, never served.
    for await (const path of this.blobs.list()) if (parseDeltaPatchId(path) !== undefined) yield path;
  }
}

function pathOf(id: string): UpdateFilePath {
  if (parseDeltaPatchId(id) === undefined) throw new DomainError('delta-not-found', `${id} is not a delta patch id`);
  return id as UpdateFilePath;
}
