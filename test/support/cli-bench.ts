import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningTestServer } from './test-server.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL } from './test-server.js';

/** The built `fuota` command. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A test server, a working directory holding its CA certificate, and the CLI's environment. */
export interface CliBench {
  readonly t: RunningTestServer;
  readonly dir: string;
  readonly env: Record<string, string>;
  /** Runs `fuota <args>` in `dir`, with `env` changed by `changes` (undefined removes a variable). */
  fuota(args: string[], changes?: Record<string, string | undefined>): Promise<CliResult>;
  stop(): Promise<void>;
}

/** Starts a bench for CLI tests: `ca.pem` and the given files are written into its directory. */
export async function startCliBench(files: Record<string, Buffer> = {}): Promise<CliBench> {
  const t = await startTestServer();
  const dir = await mkdtemp(join(tmpdir(), 'fuota-cli-'));
  await writeFile(join(dir, 'ca.pem'), (await testCertificate()).cert);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FUOTA_URL: `https://localhost:${t.server.address.port}`,
    FUOTA_USERNAME: TEST_CREDENTIAL.username,
    FUOTA_PASSWORD: TEST_CREDENTIAL.password,
    FUOTA_CA_CERT: join(dir, 'ca.pem'),
  };
  return {
    t,
    dir,
    env,
    fuota(args, changes = {}) {
      const childEnv: Record<string, string> = { ...env };
      for (const [name, value] of Object.entries(changes)) {
        if (value === undefined) delete childEnv[name];
        else childEnv[name] = value;
      }
      return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { cwd: dir, env: childEnv }, (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
        });
      });
    },
    async stop() {
      await t.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
