import type { UpdateFilePath } from '../domain/update-file-path.js';

/** What is known of a stored file. */
export interface BlobInfo {
  readonly size: number;
  readonly modifiedAt: Date;
  /**
   * Differs between any two versions of the file's content, however they were made: a new file
   * renamed in, or an edit in place that puts size and modification time back as they were. A
   * description (SHA-256, image facts) recorded with one token describes the bytes only while
   * the file still has that token. Opaque: compare it for equality only.
   */
  readonly changeToken: string;
}

/** The result of a completed, durable upload. */
export interface StoredBlob {
  /**
   * Takes the publication back: the previous version is in place again (or no file, when there
   * was none), durably. For the caller whose own record of the upload failed, so that an upload
   * answered as failed is never served. Call exactly one of `revert` and `settle`, once.
   */
  revert(): Promise<void>;
  /** Keeps the new version for good: the previous one is forgotten. Never rejects. */
  settle(): Promise<void>;
  readonly size: number;
  /** SHA-256 of the content, lowercase hex, computed while the bytes streamed in. */
  readonly sha256: string;
  /** The stored file's modification time, as `stat` and `open` will report it. */
  readonly modifiedAt: Date;
  /** The stored file's change token, as `stat` and `open` will report it until it changes. */
  readonly changeToken: string;
}

/** Inclusive byte offsets, already checked against the blob's size. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A file held open for reading: `info` and the bytes read belong to the same version even if the
 * path is replaced meanwhile. Read it either by iterating `content()` once, which releases the
 * file when the iteration ends, or with `read()` calls followed by `release()`; a caller that
 * reads nothing calls `release()`.
 */
export interface OpenedBlob {
  readonly info: BlobInfo;
  /** The bytes (or the range of them); the handle is released when the iteration ends. */
  content(range?: ByteRange): AsyncIterable<Uint8Array>;
  /**
   * Copies the bytes from `position` on into `target`; resolves to how many it copied, which is
   * fewer than `target.length` only at the end of the file (0 from there on). For a sender that
   * reuses its buffers instead of taking a new one per chunk from `content()`. Never after
   * `release()`, nor two at once.
   */
  read(target: Uint8Array, position: number): Promise<number>;
  release(): Promise<void>;
}

export interface PutOptions {
  /** Uploads longer than this fail with the `payload-too-large` domain error. */
  readonly maxBytes: number;
}

/** Update files, addressed by validated path. */
export interface BlobStore {
  /**
   * Streams `content` into the store. Resolves once the new version is durable and visible;
   * if the source fails or is too large, or the publication cannot be made durable, the previous
   * version (if any) stays or is put back. The result's `revert` or `settle` must follow.
   */
  put(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob>;
  /**
   * What is stored at `path`. May answer from a cache a moment old for files changed behind the
   * store's back (never for its own writes), unless `fresh` is asked for.
   */
  stat(path: UpdateFilePath, options?: { readonly fresh?: boolean }): Promise<BlobInfo | undefined>;
  open(path: UpdateFilePath): Promise<OpenedBlob | undefined>;
  /**
   * Removes the file at `path` durably: once this resolves, a crash cannot bring it back.
   * Resolves to false when no file is stored there (a directory, or a link leading out of the
   * store, counts as none: a link is never followed, nothing outside the store is touched).
   * Directories the removal leaves empty are removed too, up to the store's root, so that their
   * names can be used for files again. A reader that opened the file before keeps reading it.
   */
  delete(path: UpdateFilePath): Promise<boolean>;
  /** Every stored file's path, in no particular order. */
  list(): AsyncIterable<UpdateFilePath>;
  close(): Promise<void>;
}

export const BLOB_STORE = Symbol.for('fuota.BlobStore');
