import type { Dirent } from 'node:fs';
import {
  close,
  createReadStream,
  fstat,
  open as openCallback,
  read as readCallback,
  realpathSync,
  statSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { link, lstat, mkdir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DomainError } from '../../../domain/domain-error.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import { isUpdateFilePath } from '../../../domain/update-file-path.js';
import type {
  BlobInfo,
  BlobStore,
  ByteRange,
  OpenedBlob,
  PutOptions,
  StoredBlob,
} from '../../../ports/blob-store.port.js';
import { createUploadMeter } from '../upload-meter.js';
import { blobInfo } from './blob-info.js';
import { PROBE_LEFTOVER, probeDirectory } from './directory-probe.js';
import { fsyncDirectory, temporarySibling } from './durable-file.js';
import type { FileIo, WritableFile } from './file-io.js';
import { nodeFileIo, writeAll } from './file-io.js';
import { RecentStatCache } from '../recent-stat-cache.js';
import { storageFullOr } from './storage-full.js';

/**
 * Hidden names of an upload's temporary and of the previous version kept aside until the upload
 * is settled: a crash leaves either behind, and the next open removes them (the new version, if
 * it was renamed in, stands; the describer notices when the catalog's entry is of another one).
 */
const LEFTOVER = /^\..*\.(upload|previous)-[0-9a-f]{12}$/;
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const STALE_PROBE_MS = 60_000;
const openFd = promisify(openCallback);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);

/** One `read(2)` at `position`; the callback API, as a promise without promisify's result object. */
function readAt(fd: number, target: Uint8Array, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    readCallback(fd, target, offset, target.length - offset, position, (error, count) =>
      error === null ? resolve(count) : reject(error),
    );
  });
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Update files as plain files below one root directory, at their update path. Uploads go to a
 * hidden temporary file beside the target, are fsynced and renamed into place, so readers see
 * the old file or the new one and an interrupted upload publishes nothing.
 */
export class FileSystemBlobStore implements BlobStore {
  /** The root with every symlink resolved: what a confined path must lie under. */
  private readonly realRoot: string;
  private readonly recentStats = new RecentStatCache();

  private constructor(
    private readonly root: string,
    private readonly io: FileIo,
    /**
     * Whether a symlink that leads out of the store is served (and listed): never for the
     * server's own store, whose confinement keeps a planted link from leaking files; yes for a
     * seed volume being imported, an operator's own directory whose links the seed served.
     */
    private readonly linksOut: 'refused' | 'followed' = 'refused',
  ) {
    this.realRoot = realpathSync.native(root);
  }

  /**
   * Opens (creating) the store and removes temporaries and kept-aside previous versions left by
   * uploads that a crash cut off.
   * `io`: how uploads are written (the fault-injection tests pass one that fails on purpose).
   * `keepLeftovers`: another process writes to the same directory (a worker of FUOTA_WORKERS:
   * its siblings' uploads under way look like leftovers); the primary removed them before it
   * started the workers.
   */
  static async open(
    root: string,
    options: { io?: FileIo; keepLeftovers?: boolean } = {},
  ): Promise<FileSystemBlobStore> {
    await mkdir(root, { recursive: true });
    const store = new FileSystemBlobStore(root, options.io ?? nodeFileIo);
    if (options.keepLeftovers !== true) await store.removeStaleUploads(root);
    return store;
  }

  /**
   * Opens an existing directory only to read it (the seed import's source): nothing is written,
   * and its symlinks to files are followed wherever they lead, as the seed followed them.
   */
  static async openExisting(root: string): Promise<FileSystemBlobStore> {
    if (!(await stat(root)).isDirectory()) throw new Error(`${root} is not a directory`);
    return new FileSystemBlobStore(root, nodeFileIo, 'followed');
  }

  async put(path: UpdateFilePath, content: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob> {
    const target = this.locate(path);
    let createdFrom = await this.createParents(path, target);
    if (!this.isConfined(dirname(target))) {
      throw new DomainError('file-path-conflict', `${path} lies below a link that leads out of the file store`);
    }
    const temporary = temporarySibling(target, 'upload');
    const upload = createUploadMeter(options.maxBytes);
    let aside: string | undefined;
    try {
      const file = await this.openTemporary(temporary, async () => {
        // A deletion removed the directory (then empty) since it was made: make it again.
        const again = await this.createParents(path, target);
        if (again !== undefined && (createdFrom === undefined || again.length < createdFrom.length))
          createdFrom = again;
      });
      await this.writeTemporary(file, upload.meter(content));
      aside = await this.keepAside(target);
      await rename(temporary, target);
      this.recentStats.forget(path);
    } catch (error) {
      // Whatever failed (a write, the fsync, the close, the rename), the previous version is
      // still in place and the half-written temporary must not stay to fill the disk further
      // (should even that fail, the next start removes it: the failure reported is the first).
      await rm(temporary, { force: true }).catch(() => {});
      if (aside !== undefined) await rm(aside, { force: true }).catch(() => {});
      if (errorCode(error) === 'EISDIR' || errorCode(error) === 'ENOTDIR') {
        throw conflict(path);
      }
      throw storageFullOr(error, `storing ${path}`);
    }
    const revert = () => this.revertPut(path, target, aside);
    try {
      await this.fsyncUpTo(dirname(target), createdFrom);
      // Stat after the rename: renaming moves the change time of the file on some file systems.
      const { modifiedAt, changeToken } = blobInfo(await stat(target, { bigint: true }));
      return {
        size: upload.size,
        sha256: upload.sha256(),
        modifiedAt,
        changeToken,
        revert,
        // Once settled, a crash cannot bring the previous version back: it is only a hidden name.
        settle: async () => {
          if (aside !== undefined) await rm(aside, { force: true }).catch(() => {});
        },
      };
    } catch (error) {
      // The new version is visible but not durable: put the previous one back rather than answer
      // "nothing was stored" while serving the new bytes.
      await revert();
      throw storageFullOr(error, `storing ${path}`);
    }
  }

  /**
   * A second name for the file at `target` (hidden, beside it), so that a publication can be
   * taken back after the rename replaced it: a hard link costs no space and keeps the very
   * bytes. Undefined when no file is there (a directory makes the rename fail as a conflict).
   */
  private async keepAside(target: string): Promise<string | undefined> {
    const aside = temporarySibling(target, 'previous');
    try {
      await link(target, aside);
      return aside;
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? '') || errorCode(error) === 'EPERM') return undefined;
      throw error;
    }
  }

  /** Puts the version kept `aside` back at `target`, or removes `target` when there was none. */
  private async revertPut(path: UpdateFilePath, target: string, aside: string | undefined): Promise<void> {
    try {
      if (aside === undefined) await unlink(target);
      else await rename(aside, target);
      this.recentStats.forget(path);
      await fsyncDirectory(dirname(target));
      if (aside === undefined) await this.removeEmptyDirectories(dirname(target));
    } catch (error) {
      this.recentStats.forget(path);
      throw new Error(
        `storing ${path} failed, and so did putting the previous version back (${(error as Error).message}): the new version may be served`,
      );
    }
  }

  /**
   * Creates the upload's temporary file. A deletion of the directory's last file removes the
   * directory (see `delete`); if that happened between making the directory and creating the
   * file here, `recreateParents` makes it again and the creation is retried.
   */
  private async openTemporary(temporary: string, recreateParents: () => Promise<void>): Promise<WritableFile> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.io.open(temporary, 'wx', 0o644);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt >= 3) throw error;
        await recreateParents();
      }
    }
  }

  /**
   * Writes `content` whole to the new temporary `file`, makes it durable and closes it. Every
   * write goes through `writeAll`: a write(2) may store fewer bytes than given (a disk filling up
   * does exactly that), and ignoring the count once stored a truncated file and acknowledged it.
   */
  private async writeTemporary(file: WritableFile, content: AsyncIterable<Uint8Array>): Promise<void> {
    let open = true;
    try {
      // One write at a time: the source is paused while the disk catches up, so memory stays flat.
      for await (const chunk of content) await writeAll(file, chunk);
      await file.sync();
      open = false;
      await file.close();
    } finally {
      if (open) await file.close().catch(() => {});
    }
  }

  async stat(path: UpdateFilePath, options: { readonly fresh?: boolean } = {}): Promise<BlobInfo | undefined> {
    const recent = options.fresh === true ? undefined : this.recentStats.lookup(path);
    if (recent !== undefined) return recent.info;
    const info = this.statNow(path);
    this.recentStats.remember(path, info);
    return info;
  }

  private statNow(path: UpdateFilePath): BlobInfo | undefined {
    try {
      // Synchronous on purpose: every device check asks this, and a stat of a local file costs
      // a few microseconds, where the promise API's thread-pool round trip costs far more CPU.
      const target = this.locate(path);
      const found = statSync(target, { bigint: true });
      if (!found.isFile() || !this.isServed(target)) return undefined;
      return blobInfo(found);
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? '')) return undefined;
      throw error;
    }
  }

  async open(path: UpdateFilePath): Promise<OpenedBlob | undefined> {
    let fd: number;
    try {
      const target = this.locate(path);
      // A symlink placed in the store must not lead a download out of it.
      if (!this.isServed(target)) return undefined;
      fd = await openFd(target, 'r');
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? '')) return undefined;
      throw error;
    }
    // The descriptor's own stat: it describes the very bytes read through it, whatever is renamed
    // over the path meanwhile.
    const found = await fstatFd(fd, { bigint: true });
    if (!found.isFile()) {
      await closeFd(fd);
      return undefined;
    }
    return {
      info: blobInfo(found),
      // A plain descriptor and the callback-based stream: FileHandle streams go through a promise
      // per chunk, which cost downloads half again as much CPU per MiB. The stream owns the
      // descriptor from here on and closes it when it ends or is destroyed.
      content: (range?: ByteRange) =>
        createReadStream('', {
          fd,
          autoClose: true,
          ...(range === undefined ? {} : { start: range.start, end: range.end }),
        }),
      read: async (target: Uint8Array, position: number) => {
        // A read may return fewer bytes than asked before the end (a signal, a network file
        // system); the port promises a short count only at the end.
        let filled = 0;
        while (filled < target.length) {
          const count = await readAt(fd, target, filled, position + filled);
          if (count === 0) break;
          filled += count;
        }
        return filled;
      },
      release: () => closeFd(fd),
    };
  }

  async delete(path: UpdateFilePath): Promise<boolean> {
    const target = this.locate(path);
    // What open() would not serve is not stored: a link out of the store is neither followed
    // nor removed. A link to a file inside the store is what is served: it goes, its target stays.
    if (!this.isConfined(dirname(target)) || !this.isConfined(target)) return false;
    try {
      const found = await lstat(target);
      const file = found.isSymbolicLink() ? await stat(target) : found;
      if (!file.isFile()) return false;
      await unlink(target);
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? '')) return false;
      throw error;
    }
    this.recentStats.forget(path);
    await fsyncDirectory(dirname(target));
    await this.removeEmptyDirectories(dirname(target));
    return true;
  }

  async *list(): AsyncIterable<UpdateFilePath> {
    for await (const name of this.walk(this.root)) if (isUpdateFilePath(name)) yield name;
  }

  /**
   * The files `list` leaves out for their names (a space, a character outside the path rule):
   * nothing can ask for them. The seed import reports them instead of dropping them unsaid.
   */
  async *unservableNames(): AsyncIterable<string> {
    for await (const name of this.walk(this.root)) if (!isUpdateFilePath(name)) yield name;
  }

  async close(): Promise<void> {}

  /** Rejects unless the store's root takes a durable write and reads it back. */
  checkHealth(): Promise<void> {
    return probeDirectory(this.root, this.io);
  }

  /**
   * Every file below `directory` that `open` would serve, by its name relative to the root: a
   * regular file, or a symlink to one (a link to a directory is not followed: no loops).
   */
  private async *walk(directory: string): AsyncGenerator<string> {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (MISSING.has(errorCode(error) ?? '')) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(directory, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(full);
      } else if (entry.isFile() || (entry.isSymbolicLink() && (await this.isServedLink(full)))) {
        yield relative(this.root, full).split(sep).join('/');
      }
    }
  }

  private async isServedLink(link: string): Promise<boolean> {
    try {
      return (await stat(link)).isFile() && this.isServed(link);
    } catch {
      return false; // dangling, a loop, or unreadable: nothing open() could serve
    }
  }

  /** Whether `target` may be served: inside the store once its symlinks are resolved, unless links out are followed. */
  private isServed(target: string): boolean {
    return this.linksOut === 'followed' || this.isConfined(target);
  }

  /** Whether `target`, with every symlink resolved, still lies inside the store. */
  private isConfined(target: string): boolean {
    try {
      const real = realpathSync.native(target);
      return real === this.realRoot || real.startsWith(this.realRoot + sep);
    } catch {
      return true; // missing: the caller's own lookup reports that
    }
  }

  /** The file for `path`; the path is re-checked so that no caller can leave the root. */
  private locate(path: UpdateFilePath): string {
    if (!isUpdateFilePath(path)) throw new DomainError('invalid-file-path', 'invalid update file path');
    return join(this.root, ...path.split('/'));
  }

  /** Creates the target's missing directories; returns the topmost one it created, if any. */
  private async createParents(path: UpdateFilePath, target: string): Promise<string | undefined> {
    try {
      return await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      if (errorCode(error) === 'EEXIST' || errorCode(error) === 'ENOTDIR') throw conflict(path);
      throw error;
    }
  }

  /**
   * Makes the new file's directory entry durable, and the entries of directories this upload
   * created (each lives in its parent, up to the first pre-existing directory).
   */
  private async fsyncUpTo(directory: string, createdFrom: string | undefined): Promise<void> {
    await fsyncDirectory(directory, this.io);
    if (createdFrom === undefined) return;
    for (let current = directory; current !== dirname(createdFrom); current = dirname(current)) {
      await fsyncDirectory(dirname(current), this.io);
    }
  }

  /**
   * Removes `directory` and its parents while they are empty, never the root. rmdir(2) removes
   * only an empty directory, so a file (or an upload's temporary) that arrives meanwhile keeps
   * it; an upload that made a directory just before it went makes it again (see `put`).
   */
  private async removeEmptyDirectories(directory: string): Promise<void> {
    const root = join(this.root);
    for (
      let current = directory;
      current.length > root.length && current.startsWith(root);
      current = dirname(current)
    ) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, gone already, or a link: it stays, and so do its parents
      }
      await fsyncDirectory(dirname(current));
    }
  }

  private async removeStaleUploads(directory: string): Promise<void> {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const full = join(directory, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.')) await this.removeStaleUploads(full);
      // A kept-aside previous version may be a link (it was the link, not its target, that was
      // replaced): it goes too, its target stays.
      else if (
        (entry.isFile() || entry.isSymbolicLink()) &&
        (LEFTOVER.test(entry.name) || (await isStaleProbe(full, entry.name)))
      )
        await rm(full, { force: true });
    }
  }
}

function conflict(path: string): DomainError {
  return new DomainError('file-path-conflict', `${path} clashes with an existing file or directory of the same name`);
}

/**
 * Whether `name` is a health probe a crash left: one a minute old (a probe lasts milliseconds;
 * a younger one may be another worker's or instance's, under way in the same directory).
 */
async function isStaleProbe(path: string, name: string): Promise<boolean> {
  if (!PROBE_LEFTOVER.test(name)) return false;
  const found = await lstat(path).catch(() => undefined);
  return found !== undefined && Date.now() - found.mtimeMs > STALE_PROBE_MS;
}
