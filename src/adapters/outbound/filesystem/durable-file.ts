import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Makes a completed rename or file creation in `directory` survive power loss: on Linux the
 * directory entry is durable only once the directory itself is fsynced.
 */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
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
 * never a mix, and after this resolves a crash cannot bring the old content back.
 */
export async function writeFileDurably(
  target: string,
  bytes: Uint8Array | string,
  mode = 0o644,
): Promise<void> {
  const temporary = temporarySibling(target, 'tmp');
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(target));
}
