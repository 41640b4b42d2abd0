import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = join(ROOT, 'docker', 'run_fuota_server');

/** The container's own settings (the image fixes them) and the files the script mounts instead. */
const NOT_PASSED_BY_NAME = new Set([
  'FUOTA_HOST',
  'FUOTA_PORT',
  'US_SERVER_PORT',
  'FUOTA_DATA_DIR',
  'FUOTA_TLS_CERT',
  'FUOTA_TLS_KEY',
  'FUOTA_TLS_CLIENT_CA',
  'FUOTA_TRUSTED_KEYS',
]);

/** docker/run_fuota_server, with `echo` as the container engine: what it would run. */
describe('docker/run_fuota_server', () => {
  it('passes on, by name, every configuration variable the program reads that is set', async () => {
    const source = readFileSync(join(ROOT, 'src', 'main', 'config', 'load-config.ts'), 'utf8');
    const names = new Set([...source.matchAll(/\b((?:FUOTA|US)_[A-Z_]+)\b/g)].map((match) => match[1] ?? ''));
    // A prefix the source builds names from (`FUOTA_DEVICE` + `_USERNAME`) is not a variable.
    const variables = [...names].filter(
      (name) =>
        ![...names].some((other) => other !== name && other.startsWith(`${name}_`)) && !NOT_PASSED_BY_NAME.has(name),
    );
    expect(variables).to.include('FUOTA_LOG_LEVEL');
    const env = Object.fromEntries(variables.map((name) => [name, 'value-not-on-the-command-line']));
    const { stdout } = await run('bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CONTAINER_ENGINE: 'echo', ...env },
    });
    for (const variable of variables) expect(stdout, variable).to.include(` --env ${variable} `);
    expect(stdout).to.not.include('value-not-on-the-command-line');
    const none = await run('bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CONTAINER_ENGINE: 'echo' },
    });
    expect(none.stdout).to.not.include('--env');
  });

  it('mounts the FUOTA_TRUSTED_KEYS file read-only and points the variable at it inside', async () => {
    const file = join(ROOT, 'package.json'); // any readable file of this host
    const { stdout } = await run('bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CONTAINER_ENGINE: 'echo', FUOTA_TRUSTED_KEYS: file },
    });
    expect(stdout).to.include(
      ` --volume ${file}:/run/fuota-keys/trusted-keys.pem:ro --env FUOTA_TRUSTED_KEYS=/run/fuota-keys/trusted-keys.pem `,
    );
    const missing = await run('bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CONTAINER_ENGINE: 'echo', FUOTA_TRUSTED_KEYS: '/no/such/keys' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(missing).to.deep.include({ code: 2 });
    expect((missing as { stderr: string }).stderr).to.include(
      'FUOTA_TRUSTED_KEYS=/no/such/keys is not a readable file',
    );
  });
});
