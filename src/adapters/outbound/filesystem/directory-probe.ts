import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileIo } from './file-io.js';
import { nodeFileIo, writeAll } from './file-io.js';

/**
 * Hidden (the file store's listing skips hidden names), and drawn afresh for every probe: with
 * one fixed name, two probes at once (concurrent health checks, or two worker processes on one
 * directory) wrote, read and removed each other's file and both answered "failing". A probe cut
 * short by a crash leaves its small file; the file store's start removes those under it a minute
 * old (the sql.js data dir keeps its few: one per crash in the middle of a probe).
 */
export const PROBE_LEFTOVER = /^\.fuota-health-probe-[0-9a-f]{12}$/;
const probeName = () => `.fuota-health-probe-${randomBytes(6).toString('hex')}`;

/**
 * Proves that `directory` can be written, synced and read back now (a full disk, a read-only
 * remount or a vanished volume all fail here), then removes the probe. The write goes through
 * `writeAll`, so a disk that takes only part of the probe fails it instead of passing unnoticed.
 */
export async function probeDirectory(directory: string, io: FileIo = nodeFileIo): Promise<void> {
  const probe = join(directory, probeName());
  const bytes = randomBytes(16);
  try {
    const file = await io.open(probe, 'w', 0o600);
    try {
      await writeAll(file, bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    const back = await readFile(probe);
    if (!back.equals(bytes)) throw new Error(`${directory} did not read back what was written`);
  } finally {
    await rm(probe, { force: true });
  }
}
