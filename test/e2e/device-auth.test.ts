import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { README_CLIENT_CERTIFICATE, README_DEVICE_CREDENTIAL_CURL } from '../support/readme-security-commands.js';
import { fillIn, SEED_CURL } from '../support/seed-curl-commands.js';
import type { StartedProgram } from '../support/started-program.js';
import { startProgram } from '../support/started-program.js';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);
const OPERATOR = { username: 'ops', password: 'operator-pass-7f3a9c' };
const DEVICE = '24:0A:C4:00:01:02';
const NEIGHBOUR = '24:0A:C4:00:09:09';

/**
 * The README's security section as an operator follows it, with real openssl and curl against
 * the started program: per-device credentials, client certificates, revocation. Then the whole
 * output of the program is searched for every secret that went by.
 */
describe('e2e: per-device credentials and client certificates, as the README shows them', function () {
  let dir: string;
  let program: StartedProgram;
  let deviceSecret = '';
  const secrets: string[] = [];

  before(async function () {
    requireTool(this, 'curl', 'curl');
    requireTool(this, 'openssl', 'openssl', 'version');
    dir = await mkdtemp(join(tmpdir(), 'fuota-e2e-auth-'));
    await run('bash', ['-c', fillIn(README_CLIENT_CERTIFICATE.openssl, { device_id: DEVICE })], { cwd: dir });
    program = await startProgram({
      FUOTA_HOST: '127.0.0.1',
      FUOTA_PORT: '0',
      FUOTA_DATA_DIR: join(dir, 'data'),
      FUOTA_USERNAME: OPERATOR.username,
      FUOTA_PASSWORD: OPERATOR.password,
      FUOTA_TLS_CLIENT_CA: join(dir, 'ca.pem'),
    });
    secrets.push(OPERATOR.password, Buffer.from(`${OPERATOR.username}:${OPERATOR.password}`).toString('base64'));
    secrets.push((await readFile(join(dir, 'device.key'), 'utf8')).split('\n')[1] ?? 'no key line');
    await writeFile(join(dir, 'mine.bin'), buildEspImage({ version: '1.1' }));
    await writeFile(join(dir, 'theirs.bin'), buildEspImage({ version: '2.1' }));
    for (const [file, device] of [
      ['mine.bin', DEVICE],
      ['theirs.bin', NEIGHBOUR],
    ] as const) {
      await shell(SEED_CURL.upload, { local_update_file_path: file, update_file_path: file });
      await shell(SEED_CURL.assign, { device_id: device, app_version: '1.0', update_file_path: file });
    }
  });

  after(async () => {
    await program?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Runs a README command in a shell and returns the status curl reports and the body. */
  async function shell(
    template: string,
    values: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const line = fillIn(template, {
      ...OPERATOR,
      ca_cert_pem_file_path: join(dir, 'data', 'tls', 'cert.pem'),
      server_fqdn: 'localhost',
      server_port: String(program.port),
      ...values,
    });
    const { stdout } = await run('bash', ['-c', `${line} --silent --write-out '\\n%{http_code}'`], {
      cwd: dir,
      encoding: 'utf8',
    });
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  }

  /** The seed's check and download commands with another credential. */
  const asDevice = (password: string) => ({ username: DEVICE, password });

  it('provisions a device (201, the secret shown once), and status never shows it again', async () => {
    const provisioned = await shell(README_DEVICE_CREDENTIAL_CURL.provision, { device_id: DEVICE });
    expect(provisioned.status).to.equal(201);
    const body = JSON.parse(provisioned.body) as { username: string; password: string; createdAt: string };
    expect(body.username).to.equal(DEVICE);
    expect(body.password).to.match(/^[A-Za-z0-9_-]{32}$/);
    deviceSecret = body.password;
    secrets.push(deviceSecret, Buffer.from(`${DEVICE}:${deviceSecret}`).toString('base64'));
    const status = await shell(README_DEVICE_CREDENTIAL_CURL.status, { device_id: DEVICE });
    expect(status.status).to.equal(200);
    expect(JSON.parse(status.body)).to.deep.equal({ deviceId: DEVICE, createdAt: body.createdAt });
  });

  it("lets the device check and download its own update only; the neighbour's answer 404", async () => {
    const own = asDevice(deviceSecret);
    expect(await shell(SEED_CURL.check, { ...own, device_id: DEVICE, app_version: '1.0' })).to.deep.equal({
      status: 200,
      body: 'mine.bin',
    });
    expect((await shell(SEED_CURL.check, { ...own, device_id: NEIGHBOUR, app_version: '1.0' })).status).to.equal(404);
    const download = await shell(SEED_CURL.download, {
      ...own,
      local_update_file_path: 'got.bin',
      update_file_path: 'mine.bin',
    });
    expect(download.status).to.equal(200);
    expect((await readFile(join(dir, 'got.bin'))).equals(await readFile(join(dir, 'mine.bin')))).to.equal(true);
    expect(
      (await shell(SEED_CURL.download, { ...own, local_update_file_path: 'x.bin', update_file_path: 'theirs.bin' }))
        .status,
    ).to.equal(404);
    expect((await shell(SEED_CURL.list, own)).status).to.equal(403);
    expect((await shell(README_DEVICE_CREDENTIAL_CURL.provision, { ...own, device_id: DEVICE })).status).to.equal(403);
  });

  it('lets a device with a certificate from FUOTA_TLS_CLIENT_CA check as the id in its CN, and nothing else', async () => {
    expect(await shell(README_CLIENT_CERTIFICATE.check, { device_id: DEVICE, app_version: '1.0' })).to.deep.equal({
      status: 200,
      body: 'mine.bin',
    });
    expect(
      (await shell(README_CLIENT_CERTIFICATE.check, { device_id: NEIGHBOUR, app_version: '1.0' })).status,
    ).to.equal(404);
    // Without the certificate (and without Basic credentials) the same request is refused.
    const bare = `curl --cacert <ca_cert_pem_file_path> 'https://<server_fqdn>:<server_port>/devices/${DEVICE}?app_ver=1.0'`;
    expect((await shell(bare)).status).to.equal(403);
    // A certificate for the same CN from a CA the server was not given is no credential.
    const foreign = join(dir, 'foreign');
    await run('bash', [
      '-c',
      `mkdir ${foreign} && cd ${foreign} && ${fillIn(README_CLIENT_CERTIFICATE.openssl, { device_id: DEVICE })}`,
    ]);
    const forged = README_CLIENT_CERTIFICATE.check.replace(/device\.(pem|key)/g, 'foreign/device.$1');
    expect((await shell(forged, { device_id: DEVICE, app_version: '1.0' })).status).to.equal(403);
    // Nor is the operator's route open to a device certificate.
    const list = `curl --cacert <ca_cert_pem_file_path> --cert device.pem --key device.key 'https://<server_fqdn>:<server_port>/devices'`;
    expect((await shell(list)).status).to.equal(403);
  });

  it('says why a client certificate is refused, in the 403 and in a warning in the log', async () => {
    /** A certificate from the server's CA (ca.pem) for `subject`, valid for `days` (negative: expired). */
    const issue = async (name: string, subject: string, days: number, ca = 'ca') => {
      await run(
        'bash',
        [
          '-c',
          [
            `openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '${subject}' -addext extendedKeyUsage=clientAuth -keyout ${name}.key -out ${name}.csr`,
            `openssl x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -copy_extensions copy -days ${days} -out ${name}.pem`,
          ].join(' && '),
        ],
        { cwd: dir },
      );
      return `curl --cacert <ca_cert_pem_file_path> --cert ${name}.pem --key ${name}.key 'https://<server_fqdn>:<server_port>/devices/${DEVICE}?app_ver=1.0'`;
    };
    await run(
      'bash',
      [
        '-c',
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj '/CN=other CA' -keyout other-ca.key -out other-ca.pem",
      ],
      { cwd: dir },
    );
    const cases = [
      [await issue('expired', `/CN=${DEVICE}`, -1), 'the client certificate has expired'],
      [
        await issue('bad-cn', '/CN=not a device id', 30),
        "the client certificate's CN not a device id is not a valid device id",
      ],
      [
        await issue('stranger', `/CN=${DEVICE}`, 30, 'other-ca'),
        'the client certificate is not issued by the CA of FUOTA_TLS_CLIENT_CA',
      ],
    ] as const;
    const warningsBefore = program
      .output()
      .split('\n')
      .filter((line) => line.includes('client certificate refused')).length;
    for (const [command, reason] of cases) {
      const refused = await shell(command);
      expect(refused.status, reason).to.equal(403);
      const body = JSON.parse(refused.body) as { code: string; detail: string };
      expect(body.code).to.equal('unauthenticated');
      expect(body.detail).to.include(reason);
    }
    const refusals = () =>
      program
        .output()
        .split('\n')
        .filter((line) => line.includes('client certificate refused'))
        .slice(warningsBefore);
    // The log is written in batches: wait for the lines (the count is what is checked, not the time).
    for (let i = 0; i < 100 && refusals().length < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const warnings = refusals();
    expect(warnings).to.have.length(3);
    for (const [i, [, reason]] of cases.entries()) {
      const warning = JSON.parse(warnings[i] ?? '{}') as Record<string, unknown>;
      expect(warning.level).to.equal(40); // pino's warn
      expect(String(warning.reason)).to.include(reason);
    }
  });

  it('rotates and revokes: the old secret stops working at once, a revoked device is refused', async () => {
    const rotated = await shell(README_DEVICE_CREDENTIAL_CURL.provision, { device_id: DEVICE });
    const fresh = (JSON.parse(rotated.body) as { password: string }).password;
    secrets.push(fresh);
    expect(
      (await shell(SEED_CURL.check, { ...asDevice(deviceSecret), device_id: DEVICE, app_version: '1.0' })).status,
    ).to.equal(403);
    expect(
      (await shell(SEED_CURL.check, { ...asDevice(fresh), device_id: DEVICE, app_version: '1.0' })).status,
    ).to.equal(200);
    expect((await shell(README_DEVICE_CREDENTIAL_CURL.revoke, { device_id: DEVICE })).status).to.equal(200);
    expect(
      (await shell(SEED_CURL.check, { ...asDevice(fresh), device_id: DEVICE, app_version: '1.0' })).status,
    ).to.equal(403);
    expect((await shell(README_DEVICE_CREDENTIAL_CURL.revoke, { device_id: DEVICE })).status).to.equal(404);
    expect((await shell(README_DEVICE_CREDENTIAL_CURL.status, { device_id: DEVICE })).status).to.equal(404);
  });

  it('never writes a secret, a credential or an Authorization header to its output', async () => {
    // Wait for the log lines of the last requests (written once per event-loop turn).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const output = program.output();
    expect(output).to.match(/request/);
    expect(secrets.length).to.be.greaterThan(5);
    for (const secret of secrets) expect(output, secret).to.not.include(secret);
    expect(output.toLowerCase()).to.not.include('authorization');
    expect(output).to.not.match(/scrypt\$/);
  });
});
