import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpsTestClient } from './https-client.js';

/** The built entry point, as `npm start` runs it. */
export const MAIN = fileURLToPath(new URL('../../src/main/main.js', import.meta.url));

export interface StartedProgram {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node dist/src/main/main.js <args>` and waits until it says where it listens; `wrapper`
 * (e.g. `unshare --pid ...`) is a command the program is started under.
 */
export async function startProgram(
  env: Record<string, string>,
  args: string[] = ['serve'],
  wrapper: string[] = [],
): Promise<StartedProgram> {
  const [command, ...before] = [...wrapper, process.execPath];
  const child = spawn(command!, [...before, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Killed, or its open pipes would keep the test run alive after the failure.
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`the server did not start:\n${output}`));
    }, 20_000);
    const poll = setInterval(() => {
      const match = /"local":"https:\/\/[^"]+:(\d+)"[^\n]*"msg":"fuota listening"/.exec(output);
      if (match?.[1] !== undefined) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    port,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Runs the program to completion (for one-shot commands such as import-seed, or a server expected
 * to refuse to start). One still running after 20 s is killed, so that a server that wrongly
 * started fails its test instead of keeping the test run alive.
 */
export function runProgram(
  env: Record<string, string>,
  args: string[],
  wrapper: string[] = [],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const [command, ...before] = [...wrapper, process.execPath];
    const child = spawn(command!, [...before, MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += '\n(killed: still running after 20 s)';
      child.kill('SIGKILL');
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The credential `programEnv` configures. */
export const PROGRAM_CREDENTIAL = { username: 'u', password: 'p' };

/** The environment of a program serving `dataDir` on a free loopback port with PROGRAM_CREDENTIAL. */
export function programEnv(dataDir: string): Record<string, string> {
  return {
    FUOTA_HOST: '127.0.0.1',
    FUOTA_PORT: '0',
    FUOTA_DATA_DIR: dataDir,
    FUOTA_USERNAME: PROGRAM_CREDENTIAL.username,
    FUOTA_PASSWORD: PROGRAM_CREDENTIAL.password,
  };
}

/** A client of `program`, trusting the certificate it generated in `dataDir`. */
export async function programClient(program: StartedProgram, dataDir: string): Promise<HttpsTestClient> {
  const cert = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
  return new HttpsTestClient(`https://localhost:${program.port}`, cert, PROGRAM_CREDENTIAL);
}
