import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
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
import { RecentStatCache } from '../recent-stat-cache.js';
import { createUploadMeter } from '../upload-meter.js';
import { AsideCopy } from './s3-aside-copy.js';
import { S3KeyLayout } from './s3-keys.js';
import { isMissing, isNotImplemented, isPreconditionFailed } from './s3-status.js';

/** S3's smallest part (but the last) of a multipart upload. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** The metadata entry that tells two uploads of the very same bytes apart (their ETags are equal). */
const VERSION_METADATA = 'fuota-version';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface S3BlobStoreOptions {
  /** The caller's client (endpoint, region, path style, credentials); the store never destroys it. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix of every object the store keeps ('' for the bucket's root). */
  readonly prefix?: string;
  /** A hidden folder below the prefix for a store apart from the update files (`.deltas`). */
  readonly area?: string;
  /** Bytes per part of a multipart upload (at least 5 MiB); bodies up to this size are one PutObject. */
  readonly partSize?: number;
  /**
   * Kept-aside copies and multipart uploads older than this are left by a crashed process and are
   * removed at open (default one day: far longer than any upload or revert takes).
   */
  readonly staleAfterMs?: number;
  /**
   * The longest a HeadObject (a stat, the start of every open) may wait for its answer, retries
   * included, before it fails as unreachable (default 10 s).
   */
  readonly headDeadlineMs?: number;
}

/**
 * A device's check of a file about to be offered, and every download, starts with a HeadObject:
 * with the client's own budget (three tries of a 15 s silence) a hung store held each one for
 * nearly a minute, far past a device's own timeout, before its 503. A HEAD is a few hundred
 * bytes: ten seconds without one is an outage.
 */
const HEAD_DEADLINE_MS = 10_000;

/** One object version as HeadObject reports it. */
interface Version {
  readonly etag: string;
  readonly info: BlobInfo;
}

class OpenedVersionGoneError extends Error {
  constructor(path: UpdateFilePath) {
    super(`${path} was replaced or deleted by another writer since it was opened: the version opened is gone`);
    this.name = 'OpenedVersionGoneError';
  }
}

function conflict(path: UpdateFilePath): DomainError {
  return new DomainError('file-path-conflict', `${path} clashes with a stored file or a directory of stored files`);
}

/** The `CopySource` of a key: bucket and key, each segment URL-encoded. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Update files as objects in an S3-compatible bucket, at `<prefix>/<path>`.
 *
 * An upload streams through a meter (size limit, SHA-256) into one PutObject when it fits in a part,
 * otherwise into a multipart upload that is completed only once every byte arrived (and aborted
 * when anything fails): either way, S3 shows nothing under the key until the publication, and then
 * the whole new version at once.
 *
 * Revert: just before publishing, the version being replaced is copied (server-side) to a hidden key
 * under `<prefix>/.fuota-aside/`; `revert` copies it back (or deletes the new object when there was
 * none), `settle` deletes the copy. S3 bucket versioning is not required, so the store works the
 * same on AWS S3, MinIO, R2 and s3rver.
 *
 * Readers: `open` notes the object's ETag, and every read asks for it with `If-Match`, so bytes of
 * another version are never mixed in. When this store itself replaces or deletes an object that a
 * reader of this process opened, it keeps a copy aside for that reader first (the same copy as for
 * revert when there is one), so the reader reads on from the copy; the copy goes when the last of
 * them lets go. A version replaced by another process (another instance, or behind fuota's back)
 * cannot be kept for this one's readers: their next read fails with an error that says so.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keys: S3KeyLayout;
  private readonly partSize: number;
  private readonly headDeadlineMs: number;
  /**
   * Recent stats, as the filesystem store keeps them (see RecentStatCache): every check offered a
   * file asks its size and version, and without them each one was a HeadObject to the bucket.
   * A write through this store forgets its path at once; another server's write is seen within
   * the cache's second (downloads never ask it: they go by the HeadObject of what they open).
   */
  private readonly recentStats = new RecentStatCache();
  /** Counts this store's writes: a stat that saw one happen while it ran is not kept. */
  private writes = 0;
  /** Readers of this process, by the key they read from (while it is not a copy aside). */
  private readonly readers = new Map<string, Set<S3OpenedBlob>>();

  private constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.keys = new S3KeyLayout(options.prefix ?? '', options.area);
    this.partSize = options.partSize ?? MIN_PART_SIZE;
    this.headDeadlineMs = options.headDeadlineMs ?? HEAD_DEADLINE_MS;
    if (this.partSize < MIN_PART_SIZE) throw new Error(`S3 part size must be at least ${MIN_PART_SIZE} bytes`);
  }

  /** A store on the bucket; removes what a crashed process left (copies aside, pending uploads). */
  static async open(options: S3BlobStoreOptions): Promise<S3BlobStore> {
    const store = new S3BlobStore(options);
    await store.removeStaleLeftovers(options.staleAfterMs ?? DAY_MS);
    return store;
  }

  async put(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob> {
    const key = this.keys.keyOf(path);
    await this.checkNoClash(path, key);
    const upload = createUploadMeter(options.maxBytes);
    const metadata = { [VERSION_METADATA]: randomUUID() };
    let multipart: { uploadId: string; parts: CompletedPart[] } | undefined;
    let aside: AsideCopy | undefined;
    try {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for await (const chunk of upload.meter(content)) {
        pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        pendingBytes += chunk.length;
        if (pendingBytes >= this.partSize) {
          multipart ??= await this.startMultipart(key, metadata);
          // Parts of exactly `partSize`, whatever the chunks' sizes; the rest waits for more.
          let whole = Buffer.concat(pending);
          while (whole.length >= this.partSize) {
            await this.uploadPart(key, multipart, whole.subarray(0, this.partSize));
            whole = whole.subarray(this.partSize);
          }
          pending = [whole];
          pendingBytes = whole.length;
        }
      }
      const rest = Buffer.concat(pending);
      if (multipart !== undefined && rest.length > 0) await this.uploadPart(key, multipart, rest);
      // Every byte arrived: keep the version about to be replaced, then publish at once.
      aside = await this.keepPreviousAside(key);
      if (multipart === undefined) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: rest,
            ContentLength: rest.length,
            Metadata: metadata,
          }),
        );
      } else {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: multipart.uploadId,
            MultipartUpload: { Parts: multipart.parts },
          }),
        );
        multipart = undefined;
      }
      this.written(path);
    } catch (error) {
      // A publication that failed may have taken effect all the same (an answer lost on the way).
      this.written(path);
      // Neither waited for: a store that hung on a part hangs on its abort too, and the
      // uploader's answer (a 503) would come after its connection's idle timeout had cut it. An
      // abort or a removal that fails leaves its leftover to the next start's sweep.
      if (multipart !== undefined) void this.abortMultipart(key, multipart.uploadId);
      void aside?.letGo();
      throw error;
    }
    const revert = async () => {
      try {
        await this.revertPut(key, aside);
      } finally {
        this.written(path);
      }
    };
    try {
      const stored = await this.head(key);
      if (stored === undefined) throw new Error(`${path} is not in the bucket right after its upload`);
      return {
        size: upload.size,
        sha256: upload.sha256(),
        modifiedAt: stored.info.modifiedAt,
        changeToken: stored.info.changeToken,
        revert,
        settle: async () => {
          await aside?.letGo();
        },
      };
    } catch (error) {
      await revert().catch(() => undefined);
      throw error;
    }
  }

  async stat(path: UpdateFilePath, options: { readonly fresh?: boolean } = {}): Promise<BlobInfo | undefined> {
    const recent = options.fresh === true ? undefined : this.recentStats.lookup(path);
    if (recent !== undefined) return recent.info;
    const writes = this.writes;
    const info = (await this.head(this.keys.keyOf(path)))?.info;
    if (writes === this.writes) this.recentStats.remember(path, info);
    return info;
  }

  /** The object at `path` changed (or may have) through this store. */
  private written(path: UpdateFilePath): void {
    this.writes += 1;
    this.recentStats.forget(path);
  }

  async open(path: UpdateFilePath): Promise<OpenedBlob | undefined> {
    const key = this.keys.keyOf(path);
    const version = await this.head(key);
    if (version === undefined) return undefined;
    const opened = new S3OpenedBlob(path, version.info, { key, etag: version.etag }, this.client, this.bucket, (it) =>
      this.forget(key, it),
    );
    let readers = this.readers.get(key);
    if (readers === undefined) this.readers.set(key, (readers = new Set()));
    readers.add(opened);
    return opened;
  }

  async delete(path: UpdateFilePath): Promise<boolean> {
    const key = this.keys.keyOf(path);
    const version = await this.head(key);
    if (version === undefined) return false;
    await this.keepForReaders(key, version.etag, () => this.copyAside(key, version.etag));
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } finally {
      this.written(path);
    }
    return true;
  }

  async *list(): AsyncIterable<UpdateFilePath> {
    for await (const key of this.keysUnder(this.keys.root)) {
      const path = this.keys.pathOf(key);
      if (path !== undefined) yield path;
    }
  }

  /** The client is the caller's to destroy; readers still open keep their copies until released. */
  async close(): Promise<void> {}

  /**
   * Rejects unless the bucket takes a write and gives it back now: a small object under the
   * store's hidden `.fuota-health/` keys, written, read and deleted (each probe its own key, so
   * instances probing together never disturb each other).
   */
  async checkHealth(): Promise<void> {
    const key = this.keys.newHealthKey();
    const probe = randomUUID();
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: probe }));
    try {
      const read = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await read.Body?.transformToString();
      if (text !== probe) throw new Error(`the bucket ${this.bucket} gave back other bytes than were written`);
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    }
  }

  /** The object at `key`, or undefined when there is none. */
  private async head(key: string): Promise<Version | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: AbortSignal.timeout(this.headDeadlineMs),
      });
      const etag = head.ETag ?? '';
      const size = head.ContentLength ?? 0;
      return {
        etag,
        info: {
          size,
          modifiedAt: head.LastModified ?? new Date(0),
          changeToken: `${etag}/${size}/${head.Metadata?.[VERSION_METADATA] ?? ''}`,
        },
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * S3 has no directories, but the store keeps the file system's rule (and the other stores'):
   * no file where another file's directory is, nor below another file.
   */
  private async checkNoClash(path: UpdateFilePath, key: string): Promise<void> {
    const segments = path.split('/');
    const ancestors = segments
      .slice(0, -1)
      .map((_, i) => this.keys.keyOf(segments.slice(0, i + 1).join('/') as UpdateFilePath));
    const [below, ...above] = await Promise.all([
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, MaxKeys: 1 })),
      ...ancestors.map((ancestor) => this.head(ancestor)),
    ]);
    if ((below.KeyCount ?? below.Contents?.length ?? 0) > 0 || above.some((found) => found !== undefined)) {
      throw conflict(path);
    }
  }

  private async startMultipart(key: string, metadata: Record<string, string>) {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: metadata }),
    );
    if (created.UploadId === undefined) throw new Error('the S3 server started a multipart upload without an id');
    return { uploadId: created.UploadId, parts: [] as CompletedPart[] };
  }

  private async uploadPart(key: string, multipart: { uploadId: string; parts: CompletedPart[] }, body: Buffer) {
    const PartNumber = multipart.parts.length + 1;
    const { ETag } = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: multipart.uploadId,
        PartNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    multipart.parts.push({ ETag, PartNumber });
  }

  private async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  /** Copies the object at `key` (if any) aside, for revert and for this process's readers of it. */
  private async keepPreviousAside(key: string): Promise<AsideCopy | undefined> {
    const previous = await this.head(key);
    if (previous === undefined) return undefined;
    const aside = await this.copyAside(key, previous.etag);
    aside.hold();
    await this.keepForReaders(key, previous.etag, async () => aside);
    return aside;
  }

  /** A server-side copy of the version `etag` at `key`, under a hidden key, not held yet. */
  private async copyAside(key: string, etag: string): Promise<AsideCopy> {
    const asideKey = this.keys.newAsideKey();
    const copied = await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: asideKey,
        CopySource: copySource(this.bucket, key),
        CopySourceIfMatch: etag,
      }),
    );
    return new AsideCopy(asideKey, copied.CopyObjectResult?.ETag ?? '', (gone) => this.removeObject(gone));
  }

  /**
   * Before this store replaces or deletes version `etag` at `key`: moves the readers of this
   * process that read that version to a copy aside (made by `copy` only when there are some).
   */
  private async keepForReaders(key: string, etag: string, copy: () => Promise<AsideCopy>): Promise<void> {
    const readers = [...(this.readers.get(key) ?? [])].filter((reader) => reader.readsVersion(key, etag));
    if (readers.length === 0) return;
    const aside = await copy();
    aside.hold();
    for (const reader of readers) {
      this.readers.get(key)?.delete(reader);
      reader.moveTo(aside);
    }
    // Held for the move itself: with no reader left by now, the copy goes at once.
    await aside.letGo();
  }

  private forget(key: string, reader: S3OpenedBlob): void {
    const readers = this.readers.get(key);
    readers?.delete(reader);
    if (readers?.size === 0) this.readers.delete(key);
  }

  private async revertPut(key: string, aside: AsideCopy | undefined): Promise<void> {
    const current = await this.head(key);
    if (current !== undefined) await this.keepForReaders(key, current.etag, () => this.copyAside(key, current.etag));
    if (aside === undefined) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      return;
    }
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: key,
        CopySource: copySource(this.bucket, aside.key),
        // A version of its own: a description recorded for the reverted upload never matches it.
        MetadataDirective: 'REPLACE',
        Metadata: { [VERSION_METADATA]: randomUUID() },
      }),
    );
    await aside.letGo();
  }

  private async removeObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private async *keysUnder(prefix: string): AsyncIterable<string> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  private async removeStaleLeftovers(staleAfterMs: number): Promise<void> {
    const before = Date.now() - staleAfterMs;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keys.asidePrefix, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && (object.LastModified?.getTime() ?? 0) < before) {
          await this.removeObject(object.Key).catch(() => undefined);
        }
      }
      ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client
        .send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.keys.root, KeyMarker, UploadIdMarker }),
        )
        .catch((error: unknown) => {
          // Servers that cannot list uploads (s3rver): a bucket lifecycle rule must clear them.
          if (isNotImplemented(error)) return undefined;
          throw error;
        });
      if (page === undefined) break;
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== undefined && upload.UploadId !== undefined && (upload.Initiated?.getTime() ?? 0) < before) {
          await this.abortMultipart(upload.Key, upload.UploadId);
        }
      }
      if (page.IsTruncated !== true) break;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }
}

/** Where an opened version's bytes are: its key (while it holds that version) or a copy aside. */
interface Source {
  readonly key: string;
  readonly etag: string;
}

class S3OpenedBlob implements OpenedBlob {
  private source: Source;
  private aside: AsideCopy | undefined;
  private released = false;

  constructor(
    private readonly path: UpdateFilePath,
    readonly info: BlobInfo,
    source: Source,
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly forget: (reader: S3OpenedBlob) => void,
  ) {
    this.source = source;
  }

  readsVersion(key: string, etag: string): boolean {
    return !this.released && this.source.key === key && this.source.etag === etag;
  }

  /** The version opened is about to be replaced at its key: read on from `aside`. */
  moveTo(aside: AsideCopy): void {
    aside.hold();
    this.source = { key: aside.key, etag: aside.etag };
    this.aside = aside;
  }

  async *content(range?: ByteRange): AsyncIterable<Uint8Array> {
    try {
      const body = await this.get(range === undefined ? undefined : `bytes=${range.start}-${range.end}`);
      // Never more than asked for, even from a server that answers `bytes=0-0` whole (s3rver 3.7).
      let left = range === undefined ? this.info.size : range.end - range.start + 1;
      try {
        for await (const chunk of body) {
          const bytes = chunk as Uint8Array;
          if (left <= 0) break;
          yield bytes.length > left ? bytes.subarray(0, left) : bytes;
          left -= bytes.length;
        }
      } finally {
        body.destroy();
      }
    } finally {
      await this.release();
    }
  }

  async read(target: Uint8Array, position: number): Promise<number> {
    if (this.released) throw new Error('read() after release()');
    if (position >= this.info.size || target.length === 0) return 0;
    const end = Math.min(this.info.size, position + target.length) - 1;
    const wanted = end - position + 1;
    // A body that ends early (a connection cut by the store, or on the way) is no end of the
    // file: a short count would tell the caller the file ends there (a download would stop short
    // of its Content-Length). The rest is asked for once more; still short, the read fails.
    let count = await this.readRange(target, position, end);
    if (count < wanted) count += await this.readRange(target.subarray(count), position + count, end);
    if (count < wanted) {
      throw new DomainError(
        'storage-unavailable',
        `the bucket sent ${count} of the ${wanted} bytes asked for of ${this.path} at ${position}`,
      );
    }
    return count;
  }

  /** Reads the bytes `start` to `end` (inclusive) into `target`; resolves with how many came. */
  private async readRange(target: Uint8Array, start: number, end: number): Promise<number> {
    const body = await this.get(`bytes=${start}-${end}`);
    let count = 0;
    try {
      for await (const chunk of body) {
        const bytes = chunk as Uint8Array;
        const room = target.length - count;
        target.set(bytes.length > room ? bytes.subarray(0, room) : bytes, count);
        count += Math.min(bytes.length, room);
      }
    } finally {
      body.destroy();
    }
    return count;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.forget(this);
    await this.aside?.letGo();
  }

  /** The bytes of the version opened, or an error saying it is gone; never another version's. */
  private async get(range: string | undefined): Promise<Readable> {
    for (;;) {
      const source = this.source;
      try {
        const response = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: source.key, IfMatch: source.etag, Range: range }),
        );
        const body = response.Body as Readable;
        // The answer's ETag too: a server that ignores If-Match (s3rver) must not mix versions either.
        if (response.ETag !== undefined && response.ETag !== source.etag) {
          body.destroy();
          if (this.source !== source) continue;
          throw new OpenedVersionGoneError(this.path);
        }
        return body;
      } catch (error) {
        if (error instanceof OpenedVersionGoneError) throw error;
        // Moved aside while the request was on its way: ask the copy.
        if (this.source !== source) continue;
        if (isPreconditionFailed(error) || isMissing(error)) throw new OpenedVersionGoneError(this.path);
        throw error;
      }
    }
  }
}
