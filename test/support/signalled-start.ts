import { spawn } from 'node:child_process';
import { MAIN } from './started-program.js';

/**
 * Starts `node dist/src/main/main.js serve`, sends it `signal` once `when` resolves (the start is
 * then under way), and resolves with how it ended, how long after the signal, and its output.
 */
export function signalledStart(
  env: Record<string, string>,
  when: Promise<void>,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; afterSignalMs: number; output: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let signalledAt = 0;
  void when.then(() => {
    signalledAt = Date.now();
    child.kill(signal);
  });
  const timer = setTimeout(() => {
    output += '\n(killed: still running after 30 s)';
    child.kill('SIGKILL');
  }, 30_000);
  return new Promise((resolve) => {
    child.once('exit', (code, ended) => {
      clearTimeout(timer);
      resolve({ code, signal: ended, afterSignalMs: signalledAt === 0 ? -1 : Date.now() - signalledAt, output });
    });
  });
}
