import { randomBytes } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

// One fixed, hidden name: a probe cut short by a crash leaves one small file, never a growing pile,
// and the file store's listing skips hidden names.
const PROBE_NAME = '.fuota-health-probe';

/**
 * Proves that `directory` can be written, synced and read back now (a full disk, a read-only
 * remount or a vanished volume all fail here), then removes the probe.
 */
export async function probeDirectory(directory: string): Promise<void> {
  const probe = join(directory, PROBE_NAME);
  const bytes = randomBytes(16);
  const handle = await open(probe, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const back = await readFile(probe);
  await rm(probe, { force: true });
  if (!back.equals(bytes)) throw new Error(`${directory} did not read back what was written`);
}
