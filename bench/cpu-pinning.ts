import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * On 2 cores the load generator and the server measured take turns on the same CPUs, and the
 * server's CPU time per request then depends on which other process the scheduler ran beside it
 * (two identical servers measured up to 1.3x apart). With `taskset` (Linux, util-linux) the
 * benchmark runs its load generator on CPU 0 and every server it starts on CPU 1, so that a
 * server always has a core of its own and the load generator never competes with it; identical
 * servers then measure within a few percent. BENCH_PIN=0 turns this off.
 */
function tasksetWorks(): boolean {
  if (process.env.BENCH_PIN === '0' || process.platform !== 'linux' || cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const PINNED = tasksetWorks();

/** Moves every thread of this process (the load generator) to CPU 0. */
export function pinLoadGenerator(): void {
  if (PINNED) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
}

/** The command and arguments that run `node <nodeArgs> <script>` on CPU 1 (or as it is, unpinned). */
export function serverCommand(script: string, nodeArgs: readonly string[] = []): { command: string; args: string[] } {
  return PINNED
    ? { command: 'taskset', args: ['-c', '1', process.execPath, ...nodeArgs, script] }
    : { command: process.execPath, args: [...nodeArgs, script] };
}
