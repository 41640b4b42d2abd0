import { mkdir, stat } from 'node:fs/promises';
import { parse, sep } from 'node:path';
import { ConfigError } from '../config/config-error.js';

/**
 * Creates the data dir and its missing parents, one level at a time, or says in one line why it
 * cannot. Not `mkdir(..., { recursive: true })`: under /proc that call loops for ever (the parent
 * exists, the child can never be made, and it retries), so a typo in FUOTA_DATA_DIR spun at 100%
 * CPU. Here every level is tried once.
 */
export async function ensureDataDir(dataDir: string): Promise<void> {
  const { root } = parse(dataDir);
  let current = root;
  for (const part of dataDir
    .slice(root.length)
    .split(sep)
    .filter((name) => name !== '')) {
    current = current === root ? `${root}${part}` : `${current}${sep}${part}`;
    try {
      await mkdir(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'ENOTDIR')
        throw new ConfigError('FUOTA_DATA_DIR', `cannot create ${dataDir}: a part of the path is a file`);
      throw new ConfigError('FUOTA_DATA_DIR', `cannot create ${dataDir} (${code ?? String(error)} at ${current})`);
    }
  }
  const found = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError('FUOTA_DATA_DIR', `cannot use ${dataDir} (${error.code ?? String(error)})`);
  });
  if (!found.isDirectory()) throw new ConfigError('FUOTA_DATA_DIR', `${dataDir} is a file, not a directory`);
}
