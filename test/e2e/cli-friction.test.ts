import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL } from '../support/test-server.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The operator friction of the `fuota` command, each case as a child process against a server. */
describe('e2e: the fuota CLI says what to do', () => {
  let t: RunningTestServer;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    t = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'fuota-cli-friction-'));
    await writeFile(join(dir, 'ca.pem'), (await testCertificate()).cert);
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      FUOTA_URL: `https://localhost:${t.server.address.port}`,
      FUOTA_USERNAME: TEST_CREDENTIAL.username,
      FUOTA_PASSWORD: TEST_CREDENTIAL.password,
      FUOTA_CA_CERT: join(dir, 'ca.pem'),
    };
  });
  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `fuota <args>` with `env` changed by `changes` (undefined removes a variable). */
  function fuota(args: string[], changes: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
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
  }
  /** How many requests the server has answered so far (it logs every one). */
  const requestsLogged = () => t.logger.lines.filter((line) => line.startsWith('info request ')).length;

  describe('a --ca-cert/FUOTA_CA_CERT that is no certificate: usage error naming the file and why, before any request', () => {
    const cases: Array<[string, (file: string) => Promise<void>, string]> = [
      ['a missing file', async () => {}, 'cannot read it (no such file)'],
      ['a directory', (file) => mkdir(file), 'cannot read it (it is a directory)'],
      ['a text file', (file) => writeFile(file, 'hello\n'), 'not a PEM certificate (no -----BEGIN CERTIFICATE----- block)'],
      ['the private key', async (file) => writeFile(file, (await testCertificate()).key), 'holds a private key, not a certificate'],
      ['a DER certificate', async (file) => writeFile(file, Buffer.from(new x509.X509Certificate((await testCertificate()).cert).rawData)), 'a DER certificate, not PEM; convert it: openssl x509 -inform der'],
      [
        'a damaged PEM certificate',
        async (file) => writeFile(file, (await testCertificate()).cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')),
        'holds a damaged certificate',
      ],
    ];
    cases.forEach(([name, make, reason], index) => {
      it(name, async () => {
        const file = join(dir, `bad-ca-${index}`);
        await make(file);
        const before = requestsLogged();
        for (const [args, changes] of [
          [['devices', '--ca-cert', file], {}],
          [['devices'], { FUOTA_CA_CERT: file }],
        ] as const) {
          const result = await fuota([...args], changes);
          expect(result.code, result.stderr).to.equal(2);
          expect(result.stderr.startsWith(`fuota: --ca-cert/FUOTA_CA_CERT: ${file}: ${reason}`), result.stderr).to.equal(true);
          expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
        }
        expect(requestsLogged()).to.equal(before);
      });
    });
  });

});
