import { inject, injectable } from 'inversify';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import { isUpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobInfo, BlobStore, OpenedBlob } from '../../ports/blob-store.port.js';
import { BLOB_STORE } from '../../ports/blob-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { UPDATE_FILE_CATALOG } from '../../ports/update-file-catalog.port.js';
import type { Sha256Factory } from '../../ports/sha256.port.js';
import { SHA256_FACTORY } from '../../ports/sha256.port.js';
import { inspectImage } from './image-inspection.js';

const READ_CHUNK = 64 * 1024;

/** Whether `known` describes the version of the file that `info` was taken from. */
function describes(known: UpdateFile | undefined, info: BlobInfo): known is UpdateFile {
  // An entry recorded before change tokens existed is read again once, then carries one.
  return known !== undefined && known.changeToken === info.changeToken && known.size === info.size;
}

/**
 * The first `size` bytes of an opened file (what a download of it sends, even if it grew since),
 * read by position: the descriptor's offset stays where it was for the caller's own reads.
 */
async function* bytesOf(blob: OpenedBlob, size: number): AsyncGenerator<Uint8Array> {
  for (let position = 0; position < size; ) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
    const count = await blob.read(chunk, position);
    if (count === 0) return;
    yield chunk.subarray(0, count);
    position += count;
  }
}

/**
 * The catalog entry of a stored file, made good when it is missing or stale: a file imported,
 * copied in by hand, replaced or edited behind the server's back, or replaced between storing and
 * recording (a crash), is read once, hashed and parsed, and its entry recorded. Staleness is told
 * by the store's change token, which no edit can keep.
 */
@injectable()
export class UpdateFileDescriber {
  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
    @inject(SHA256_FACTORY) private readonly sha256: Sha256Factory,
  ) {}

  /**
   * Undefined when no file is stored at `path` (or `path` is not a valid store path). Goes by the
   * store's `stat`, which may answer from a cache a moment old (see the file store): for device
   * checks and listings, not for the headers of the bytes being sent (see `describeOpened`).
   */
  async describe(path: string): Promise<UpdateFile | undefined> {
    if (!isUpdateFilePath(path)) return undefined;
    const info = await this.files.stat(path);
    if (info === undefined) return undefined;
    const known = await this.catalog.get(path);
    if (describes(known, info)) return known;
    const opened = await this.files.open(path);
    if (opened === undefined) return undefined;
    try {
      return await this.describeOpened(path, opened);
    } finally {
      await opened.release();
    }
  }

  /**
   * The entry of exactly the bytes `blob` reads: when the catalog's entry is of another version,
   * the file is hashed and parsed from this same open file (not the path, which may hold yet
   * another version by now), so that a download's ETag and length always describe what it sends.
   * The blob stays open and unread for the caller.
   */
  async describeOpened(path: UpdateFilePath, blob: OpenedBlob): Promise<UpdateFile> {
    const known = await this.catalog.get(path);
    if (describes(known, blob.info)) return known;
    const hash = this.sha256();
    const { inspection, content } = inspectImage(bytesOf(blob, blob.info.size), false, this.sha256);
    for await (const chunk of content) hash.update(chunk);
    const entry: UpdateFile = {
      path,
      size: blob.info.size,
      sha256: Buffer.from(hash.digest()).toString('hex'),
      modifiedAtMs: blob.info.modifiedAt.getTime(),
      changeToken: blob.info.changeToken,
      storedAt: blob.info.modifiedAt.toISOString(),
      image: inspection.image,
    };
    await this.catalog.put(entry);
    return entry;
  }
}
