import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The database file and its journal segments as they are on disk now, copied to `to`: what a
 * process killed at this instant leaves behind. Only a segment that a checkpoint removed while
 * the copy ran may be missing (its changes are then in the database file copied before it).
 */
export async function crashCopy(from: string, to: string, prefix = 'devices.db'): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (!name.startsWith(prefix)) continue;
    await copyFile(join(from, name), join(to, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
