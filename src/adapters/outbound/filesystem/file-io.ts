import { open } from 'node:fs/promises';

/**
 * A file opened for writing. `write` is one write(2): it may write fewer bytes than given (a
 * disk that fills mid-write does exactly that), so callers go through `writeAll`.
 */
export interface WritableFile {
  /** Writes at `position` (or at the current offset), resolving to how many bytes were written. */
  write(bytes: Uint8Array, position?: number): Promise<number>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  /**
   * How many names the file has (fstat's nlink): 0 once another process removed it. Optional:
   * only the journal asks (see WriteAheadJournal), and a wrapper without it is not checked.
   */
  links?(): Promise<number>;
  close(): Promise<void>;
}

/**
 * How the storage adapters open files they write: Node's own calls in production, a wrapper that
 * fails at chosen points (short writes, ENOSPC, EIO) in the fault-injection tests.
 */
export interface FileIo {
  open(path: string, flags: string, mode?: number): Promise<WritableFile>;
}

export const nodeFileIo: FileIo = {
  async open(path, flags, mode) {
    const handle = await open(path, flags, mode);
    return {
      write: async (bytes, position) => (await handle.write(bytes, 0, bytes.length, position ?? null)).bytesWritten,
      sync: () => handle.sync(),
      datasync: () => handle.datasync(),
      truncate: (length) => handle.truncate(length),
      links: async () => (await handle.stat()).nlink,
      close: () => handle.close(),
    };
  },
};

/** An error as the kernel reports it, so that callers can tell a full disk from other faults. */
export function ioError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Writes every byte of `bytes`, looping over short writes; a write that makes no progress means
 * the disk is full (the kernel reports ENOSPC on the next call; we never spin waiting for it).
 */
export async function writeAll(file: WritableFile, bytes: Uint8Array, position?: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const count = await file.write(bytes.subarray(written), position === undefined ? undefined : position + written);
    if (count <= 0) throw ioError('ENOSPC', `no space left: wrote ${written} of ${bytes.length} bytes`);
    written += count;
  }
}
