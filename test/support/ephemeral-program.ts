import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from './started-program.js';

/** The ready line of `serve --ephemeral` (its field names are public API). */
export interface ReadyLine {
  readonly url: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly caCertFile: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Where an ephemeral server runs: its own temporary directory, home and working directory, all
 * empty at the start, so that whatever it leaves on disk shows; `client` is for the test's own
 * files (curl's downloads).
 */
export interface Sandbox {
  readonly root: string;
  readonly tmp: string;
  readonly home: string;
  readonly cwd: string;
  readonly client: string;
  /** The environment that puts a program in it. */
  readonly env: Record<string, string>;
  /** What is left in the server's temporary directory, home and working directory. */
  leftovers(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'fuota-ephemeral-e2e-'));
  const [tmp, home, cwd, client] = ['tmp', 'home', 'cwd', 'client'].map((name) => join(root, name)) as [
    string,
    string,
    string,
    string,
  ];
  for (const dir of [tmp, home, cwd, client]) await mkdir(dir);
  return {
    root,
    tmp,
    home,
    cwd,
    client,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: tmp, HOME: home },
    async leftovers() {
      const found: string[] = [];
      for (const dir of [tmp, home, cwd])
        for (const name of await readdir(dir, { recursive: true })) found.push(join(dir, name));
      return found;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export interface EphemeralProgram {
  readonly child: ChildProcess;
  /** Everything written to standard output and standard error so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the ready line, or rejects with the program's output if it exits first. */
  readonly ready: Promise<ReadyLine>;
  /** Resolves with the exit code once the program has exited and its output has ended. */
  readonly closed: Promise<number | null>;
}

/**
 * Starts `node <main.js> serve --ephemeral <args>` in `sandbox` (or `node <script>` when
 * `script` is given: a parent that starts the server itself), its standard input a pipe.
 */
export function startEphemeral(
  sandbox: Sandbox,
  args: readonly string[],
  env: Record<string, string> = {},
  script?: string,
): EphemeralProgram {
  const argv = script === undefined ? [MAIN, 'serve', '--ephemeral', ...args] : ['-e', script, MAIN, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: sandbox.cwd,
    env: { ...sandbox.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close': every holder of the output pipes (a grandchild too) has let go of them.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    const look = () => {
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      child.stdout?.off('data', look);
      resolve(JSON.parse(stdout.slice(0, end)) as ReadyLine);
    };
    child.stdout?.on('data', look);
    void closed.then((code) => reject(new Error(`the program ended (${code}) before its ready line:\n${stderr}`)));
  });
  ready.catch(() => {});
  return { child, stdout: () => stdout, stderr: () => stderr, ready, closed };
}
