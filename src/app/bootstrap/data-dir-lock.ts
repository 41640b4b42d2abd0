import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One process at a time owns a data dir: the database lives in that process's memory and is
 * written whole, so a second writer (a second server, an import while serving) would lose rows.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const file = join(dataDir, '.lock');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (isOtherLiveProcess(owner)) {
        throw new Error(`${dataDir} is in use by another fuota process (pid ${owner}); stop it first`);
      }
      await rm(file, { force: true }); // left by a process that no longer runs
    }
    throw new Error(`could not lock ${dataDir}`);
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

function isOtherLiveProcess(pid: number): boolean {
  // Our own pid in the file is a leftover of an earlier run that had the same pid (pid 1 in a
  // restarted container), not a live owner.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
