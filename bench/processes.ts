import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { serverCommand } from './cpu-pinning.js';

/** fuota's "listening" log line; group 1 is the port. */
export const FUOTA_READY = /"local":"https:\/\/[^"]+:(\d+)"[^\n]*"msg":"fuota listening"/;

export interface RunningProcess {
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn until the process said it listens. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns `node <nodeArgs> <script>` (on its own CPU where it can, see cpu-pinning.ts) and waits
 * until a line of its output matches `ready` (group 1: port).
 */
export async function startNode(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: readonly string[] = [],
): Promise<RunningProcess> {
  const started = performance.now();
  // taskset runs node in its own process (exec), so the pid is node's.
  const { command, args } = serverCommand(script, nodeArgs);
  const child: ChildProcess = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  const startupMs = performance.now() - started;
  return {
    pid: child.pid ?? 0,
    port,
    startupMs,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
