import { execFile } from 'node:child_process';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Resolves once the file system's clock has moved past `ctimeNs` (a change time it reported).
 * Linux stamps files with a coarse clock that ticks every few milliseconds, so a test that edits
 * a file "later" waits for the tick it needs instead of sleeping a guessed time.
 */
export async function afterFileClockTick(directory: string, ctimeNs: bigint): Promise<void> {
  const scratch = join(directory, '.fuota-clock-probe');
  try {
    for (;;) {
      await writeFile(scratch, 'tick');
      if ((await stat(scratch, { bigint: true })).ctimeNs > ctimeNs) return;
    }
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * Sets the modification time of `file` back to exactly `mtimeNs`, to the nanosecond (Node's
 * utimes goes through a double and loses the last digits; touch(1) calls utimensat exactly), as
 * a tool that restores times after an edit does.
 */
export async function restoreModificationTime(file: string, mtimeNs: bigint): Promise<void> {
  const seconds = mtimeNs / 1_000_000_000n;
  const nanoseconds = String(mtimeNs % 1_000_000_000n).padStart(9, '0');
  await run('touch', ['-m', '-d', `@${seconds}.${nanoseconds}`, file]);
}
