import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileIo } from './file-io.js';
import { nodeFileIo, writeAll } from './file-io.js';

/**
 * Makes a completed rename or file creation in `directory` survive power loss: on Linux the
 * directory entry is durable only once the directory itself is fsynced.
 */
export async function fsyncDirectory(directory: string, io: FileIo = nodeFileIo): Promise<void> {
  const handle = await io.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A temporary name beside `target`, hidden (dot-prefixed) and unique per call. */
export function temporarySibling(target: string, purpose: string): string {
  return join(dirname(target), `.${basename(target)}.${purpose}-${randomBytes(6).toString('hex')}`);
}

/**
 * Replaces `target` with `bytes` atomically and durably: readers see the old or the new content,
 * never a mix, and after this resolves a crash cannot bring the old content back. When it fails
 * (a full disk, an I/O error), `target` is untouched and no temporary file is left behind.
 */
export async function writeFileDurably(
  target: string,
  bytes: Uint8Array | string,
  mode = 0o644,
  io: FileIo = nodeFileIo,
): Promise<void> {
  const temporary = temporarySibling(target, 'tmp');
  const handle = await io.open(temporary, 'wx', mode);
  try {
    try {
      await writeAll(handle, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
      await handle.sync();
    } catch (error) {
      // The first failure is the one worth reporting (ENOSPC becomes storage-full), not close's.
      await handle.close().catch(() => {});
      throw error;
    }
    await handle.close();
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(target), io);
}
