import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  readonly dir: string;
  /** Writes a filler file until the disk is full; returns a function that removes it again. */
  fill(): Promise<() => Promise<void>>;
  unmount(): Promise<void>;
}

/**
 * A real file system of `bytes` bytes (tmpfs), for tests of what fuota does when a disk fills
 * up. Mounting needs root (or CAP_SYS_ADMIN): where it is not permitted the calling test is
 * skipped with a message; in CI, which runs as root, a failure to mount fails the test.
 */
export async function mountSmallDisk(context: Mocha.Context, bytes: number): Promise<SmallDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'fuota-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (process.env.CI === 'true') throw new Error(`mounting a tmpfs failed in CI: ${String(error)}`);
    console.warn(
      `      (skipped: cannot mount a ${bytes}-byte tmpfs here, which needs root: ${String((error as Error).message).split('\n')[0]})`,
    );
    context.skip();
  }
  return {
    dir,
    async fill() {
      const filler = join(dir, '.filler');
      const handle = await open(filler, 'w');
      const block = Buffer.alloc(64 * 1024, 0xa5);
      try {
        // Big blocks, then single bytes, until the kernel says the disk is full.
        for (const size of [block.length, 4096, 1]) {
          for (;;) {
            const { bytesWritten } = await handle.write(block, 0, size).catch((error: NodeJS.ErrnoException) => {
              if (error.code === 'ENOSPC') return { bytesWritten: 0 };
              throw error;
            });
            if (bytesWritten < size) break;
          }
        }
      } finally {
        await handle.close();
      }
      return () => rm(filler, { force: true });
    },
    async unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
