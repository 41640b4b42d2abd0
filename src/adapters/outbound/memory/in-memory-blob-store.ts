import { DomainError } from '../../../domain/domain-error.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import type {
  BlobInfo,
  BlobStore,
  ByteRange,
  OpenedBlob,
  PutOptions,
  StoredBlob,
} from '../../../ports/blob-store.port.js';
import { createUploadMeter } from '../upload-meter.js';

interface MemoryBlob {
  readonly bytes: Buffer;
  readonly info: BlobInfo;
}

/**
 * A production-quality fake of the file store; it holds every file in memory. Paths name files in
 * directories as on the file store, so that a file cannot also be a directory of another
 * (`a` and `a/b.bin`): both stores refuse such a path with file-path-conflict.
 */
export class InMemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<UpdateFilePath, MemoryBlob>();
  /** Counts stored versions: each one's change token. */
  private versions = 0;

  async put(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob> {
    this.refuseConflict(path);
    const upload = createUploadMeter(options.maxBytes);
    const chunks: Uint8Array[] = [];
    for await (const chunk of upload.meter(content)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    // Again, with no await before the write: another upload may have made the clash meanwhile.
    this.refuseConflict(path);
    const info = this.nextInfo(bytes.length, new Date());
    const previous = this.blobs.get(path);
    this.blobs.set(path, { bytes, info });
    return {
      size: bytes.length,
      sha256: upload.sha256(),
      modifiedAt: info.modifiedAt,
      changeToken: info.changeToken,
      revert: async () => {
        // Put back as a version of its own, as a rename back would make it on a file system.
        if (previous === undefined) this.blobs.delete(path);
        else
          this.blobs.set(path, {
            bytes: previous.bytes,
            info: this.nextInfo(previous.info.size, previous.info.modifiedAt),
          });
      },
      settle: async () => {},
    };
  }

  private nextInfo(size: number, modifiedAt: Date): BlobInfo {
    this.versions += 1;
    return { size, modifiedAt, changeToken: String(this.versions) };
  }

  /** Refuses `path` when one of its directories is a stored file, or it is a directory of one. */
  private refuseConflict(path: UpdateFilePath): void {
    const parts = path.split('/');
    const fileAbove = parts
      .slice(1)
      .some((_, index) => this.blobs.has(parts.slice(0, index + 1).join('/') as UpdateFilePath));
    const below = `${path}/`;
    if (fileAbove || [...this.blobs.keys()].some((stored) => stored.startsWith(below))) {
      throw new DomainError(
        'file-path-conflict',
        `${path} clashes with an existing file or directory of the same name`,
      );
    }
  }

  async stat(path: UpdateFilePath): Promise<BlobInfo | undefined> {
    return this.blobs.get(path)?.info;
  }

  async open(path: UpdateFilePath): Promise<OpenedBlob | undefined> {
    const blob = this.blobs.get(path);
    if (blob === undefined) return undefined;
    return {
      info: blob.info,
      async *content(range?: ByteRange) {
        yield range === undefined ? blob.bytes : blob.bytes.subarray(range.start, range.end + 1);
      },
      read: async (target: Uint8Array, position: number) => {
        const from = Math.min(position, blob.bytes.length);
        return blob.bytes.copy(target, 0, from, Math.min(from + target.length, blob.bytes.length));
      },
      release: async () => {},
    };
  }

  async delete(path: UpdateFilePath): Promise<boolean> {
    // An opened blob holds its own reference to the bytes and keeps reading them.
    return this.blobs.delete(path);
  }

  async *list(): AsyncIterable<UpdateFilePath> {
    yield* [...this.blobs.keys()];
  }

  async close(): Promise<void> {}
}
