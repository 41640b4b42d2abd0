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
import type { SignatureVerifierFactory } from '../../ports/signature-verifier.port.js';
import { SIGNATURE_VERIFIER } from '../../ports/signature-verifier.port.js';
import { inspectImage } from './image-inspection.js';
import { UpdateFileLocks } from './update-file-locks.js';

const READ_CHUNK = 64 * 1024;

/** Whether `known` describes the version of the file that `info` was taken from. */
function describes(known: UpdateFile | undefined, info: BlobInfo): known is UpdateFile {
  // An entry recorded before change tokens existed is read again once, then carries one; so is a
  // signed image's entry recorded before signatures were verified, to learn its blocks' facts,
  // and an image's entry recorded before its appended SHA-256 was read (delta patches need it).
  return (
    known !== undefined &&
    known.changeToken === info.changeToken &&
    known.size === info.size &&
    !(known.image?.signed === true && known.image.signatures === undefined) &&
    !(known.image?.hashAppended === true && known.image.appendedSha256 === undefined)
  );
}

/**
 * The first `size` bytes of an opened file (what a download of it sends, even if it grew since),
 * read by position: the descriptor's offset stays where it was for the caller's own reads.
 */
async function* bytesOf(blob: OpenedBlob, size: number): AsyncGenerator<Uint8Array> {
  for (let position = 0; position < size;) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
    const count = await blob.read(chunk, position);
    if (count === 0) return;
    yield chunk.subarray(0, count);
    position += count;
  }
}

/** Runs a catalog write of the describer: under the path's lock, or as is for a caller that holds it. */
type WriteGuard = (write: () => Promise<void>) => Promise<void>;

/**
 * The catalog entry of a stored file, made good when it is missing or stale: a file imported,
 * copied in by hand, replaced or edited behind the server's back, or replaced between storing and
 * recording (a crash), is read once, hashed and parsed, and its entry recorded. Staleness is told
 * by the store's change token, which no edit can keep.
 *
 * The entry is recorded only while the path still holds the version that was hashed, checked
 * under the path's lock: an upload or deletion that ran while the old version was being hashed
 * recorded its own entry (or removed it), and a late write of the old one must not undo that.
 * Concurrent re-describes of one version (many devices checking a file just replaced) share one
 * hash.
 */
@injectable()
export class UpdateFileDescriber {
  /** Hashes under way, by path and change token. */
  private readonly hashing = new Map<string, Promise<UpdateFile>>();

  constructor(
    @inject(BLOB_STORE) private readonly files: BlobStore,
    @inject(UPDATE_FILE_CATALOG) private readonly catalog: UpdateFileCatalog,
    @inject(SHA256_FACTORY) private readonly sha256: Sha256Factory,
    @inject(UpdateFileLocks) private readonly locks: UpdateFileLocks,
    @inject(SIGNATURE_VERIFIER) private readonly signatures: SignatureVerifierFactory,
  ) {}

  /**
   * Undefined when no file is stored at `path` (or `path` is not a valid store path). Goes by the
   * store's `stat`, which may answer from a cache a moment old (see the file store): for device
   * checks and listings, not for the headers of the bytes being sent (see `describeOpened`).
   * Not for a caller that holds the path's lock (it would wait for itself): see `describeLocked`.
   */
  describe(path: string): Promise<UpdateFile | undefined> {
    return this.describeAt(path, (write) => this.locks.run(path, write));
  }

  /** `describe` for a caller that holds the path's lock in `UpdateFileLocks` (an assignment, a deletion). */
  describeLocked(path: string): Promise<UpdateFile | undefined> {
    return this.describeAt(path, (write) => write());
  }

  /**
   * The entry of exactly the bytes `blob` reads: when the catalog's entry is of another version,
   * the file is hashed and parsed from this same open file (not the path, which may hold yet
   * another version by now), so that a download's ETag and length always describe what it sends.
   * The blob stays open and unread for the caller, who must not hold the path's lock.
   */
  describeOpened(path: UpdateFilePath, blob: OpenedBlob): Promise<UpdateFile> {
    return this.redescribe(path, blob, (write) => this.locks.run(path, write));
  }

  private async describeAt(path: string, guard: WriteGuard): Promise<UpdateFile | undefined> {
    if (!isUpdateFilePath(path)) return undefined;
    const info = await this.files.stat(path);
    if (info === undefined) return undefined;
    const known = await this.catalog.get(path);
    if (describes(known, info)) return known;
    const opened = await this.files.open(path);
    if (opened === undefined) return undefined;
    try {
      return await this.redescribe(path, opened, guard);
    } finally {
      await opened.release();
    }
  }

  private async redescribe(path: UpdateFilePath, blob: OpenedBlob, guard: WriteGuard): Promise<UpdateFile> {
    const known = await this.catalog.get(path);
    if (describes(known, blob.info)) return known;
    const entry = await this.hashOnce(path, blob);
    // Each caller records for itself, outside the shared hash: a caller holding the lock must not
    // wait for another's locked write, which would wait for it.
    await guard(() => this.recordIfCurrent(entry));
    return entry;
  }

  /** The entry of `blob`'s version, hashed by the first caller; later ones wait for its result. */
  private hashOnce(path: UpdateFilePath, blob: OpenedBlob): Promise<UpdateFile> {
    const key = `${path}\0${blob.info.changeToken}`;
    const under = this.hashing.get(key);
    if (under !== undefined) return under;
    const started = this.hash(path, blob).finally(() => this.hashing.delete(key));
    this.hashing.set(key, started);
    return started;
  }

  private async hash(path: UpdateFilePath, blob: OpenedBlob): Promise<UpdateFile> {
    const hash = this.sha256();
    const { inspection, content } = inspectImage(bytesOf(blob, blob.info.size), false, this.sha256, this.signatures);
    for await (const chunk of content) hash.update(chunk);
    return {
      path,
      size: blob.info.size,
      sha256: Buffer.from(hash.digest()).toString('hex'),
      modifiedAtMs: blob.info.modifiedAt.getTime(),
      changeToken: blob.info.changeToken,
      storedAt: blob.info.modifiedAt.toISOString(),
      image: inspection.image,
    };
  }

  /** Records `entry` if the path holds its version now (a fresh stat, not a cached one) and it is not recorded yet. */
  private async recordIfCurrent(entry: UpdateFile): Promise<void> {
    const now = await this.files.stat(entry.path, { fresh: true });
    if (now === undefined || now.changeToken !== entry.changeToken) return;
    if (describes(await this.catalog.get(entry.path), now)) return;
    await this.catalog.put(entry);
  }
}
