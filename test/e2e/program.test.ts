import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { HttpsTestClient } from '../support/https-client.js';
import type { StartedProgram } from '../support/started-program.js';
import { MAIN, runProgram, startProgram as start } from '../support/started-program.js';
import { findLog, logRecords } from '../support/log-records.js';
import { requireTool } from '../support/tools.js';
import { signalledStart } from '../support/signalled-start.js';
import { startSilentTcpServer } from '../support/silent-tcp-server.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { generateSelfSignedCertificate } from '../../src/adapters/outbound/tls/dev-certificate.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const run = promisify(execFile);

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const OWN_SECRETS =
  "this server's data dir keeps its own generated secrets: servers sharing this database must share them";

/** The program as a user starts it: defaults, generated files, configuration errors, restarts. */
describe('e2e: the started program', () => {
  let dir: string;
  let started: StartedProgram[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-program-'));
  });
  afterEach(async () => {
    await Promise.all(started.map((program) => program.stop('SIGKILL')));
    started = [];
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the program and makes sure it is stopped after the test, whatever happens. */
  async function startProgram(env: Record<string, string>): Promise<StartedProgram> {
    const program = await start(env);
    started.push(program);
    return program;
  }

  const base = () => ({ FUOTA_HOST: '127.0.0.1', FUOTA_PORT: '0', FUOTA_DATA_DIR: join(dir, 'data') });

  it('on embedded defaults generates a certificate and a credential once, prints the password once, keeps only its hash', async () => {
    const first = await startProgram(base());
    const password = /password: (\S+)/.exec(first.output())?.[1];
    expect(password, first.output()).to.be.a('string').with.length.above(20);
    expect(
      findLog(first.output(), 'TLS certificate', { path: /\/data\/tls\/cert\.pem$/, source: 'generated' }),
      first.output(),
    ).to.not.equal(undefined);
    expect(findLog(first.output(), 'data dir', { path: /\/data$/ })).to.not.equal(undefined);
    const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
    const client = (port: number, pw: string) =>
      new HttpsTestClient(`https://localhost:${port}`, cert, { username: 'fuota', password: pw });
    expect((await client(first.port, password!).get('/devices')).status).to.equal(200);
    expect((await client(first.port, 'guess').get('/devices')).status).to.equal(403);
    expect(await first.stop()).to.equal(0);

    const stored = await readFile(join(dir, 'data', 'credential.json'), 'utf8');
    expect(stored).to.not.include(password!);
    expect(stored).to.include('scrypt$');
    expect((await stat(join(dir, 'data', 'credential.json'))).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dir, 'data', 'tls', 'key.pem'))).mode & 0o777).to.equal(0o600);

    const second = await startProgram(base());
    expect(second.output()).to.not.match(/password:/);
    expect(findLog(second.output(), 'TLS certificate', { source: 'stored' })).to.not.equal(undefined);
    expect(findLog(second.output(), 'credential', { source: 'stored' })).to.not.equal(undefined);
    expect(await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8')).to.equal(cert);
    expect((await client(second.port, password!).get('/devices')).status).to.equal(200);
    expect(findLog(second.output(), OWN_SECRETS), second.output()).to.equal(undefined);
    expect(await second.stop()).to.equal(0);
  });

  it('on PostgreSQL warns at each start of the generated secrets its data dir keeps for itself, naming what to set', async function () {
    await requirePostgres(this);
    const database = await createTestDatabase();
    try {
      const shared = { ...base(), FUOTA_DATABASE_URL: database.url };
      const first = await startProgram(shared);
      const own =
        'certificate (set FUOTA_TLS_CERT and FUOTA_TLS_KEY), credential (set FUOTA_USERNAME and FUOTA_PASSWORD, or both FUOTA_DEVICE_* and FUOTA_OPERATOR_*)';
      expect(findLog(first.output(), OWN_SECRETS, { level: 40, own }), first.output()).to.not.equal(undefined);
      await first.stop();
      // A second server on the same database, its own data dir: it generates another password.
      const second = await startProgram({ ...shared, FUOTA_DATA_DIR: join(dir, 'second') });
      expect(second.output()).to.match(/password:/);
      expect(findLog(second.output(), OWN_SECRETS, { own }), second.output()).to.not.equal(undefined);
      await second.stop();
      const withPassword = await startProgram({ ...shared, FUOTA_USERNAME: 'u', FUOTA_PASSWORD: 'p' });
      expect(
        findLog(withPassword.output(), OWN_SECRETS, { own: 'certificate (set FUOTA_TLS_CERT and FUOTA_TLS_KEY)' }),
        withPassword.output(),
      ).to.not.equal(undefined);
      await withPassword.stop();
      const tls = join(dir, 'data', 'tls');
      const configured = await startProgram({
        ...shared,
        FUOTA_USERNAME: 'u',
        FUOTA_PASSWORD: 'p',
        FUOTA_TLS_CERT: join(tls, 'cert.pem'),
        FUOTA_TLS_KEY: join(tls, 'key.pem'),
      });
      expect(findLog(configured.output(), OWN_SECRETS), configured.output()).to.equal(undefined);
      await configured.stop();
    } finally {
      await database.drop();
    }
  });

  it('keeps the generated password when FUOTA_USERNAME changes: the stored credential takes the new name', async () => {
    const first = await startProgram(base());
    const password = /password: (\S+)/.exec(first.output())?.[1];
    expect(password, first.output()).to.be.a('string');
    expect(await first.stop()).to.equal(0);

    const renamed = await startProgram({ ...base(), FUOTA_USERNAME: 'ops' });
    expect(renamed.output()).to.not.match(/password:/);
    expect(
      findLog(renamed.output(), 'credential', { username: 'ops', source: 'stored', renamedFrom: 'fuota' }),
      renamed.output(),
    ).to.not.equal(undefined);
    const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
    const as = (username: string) =>
      new HttpsTestClient(`https://localhost:${renamed.port}`, cert, { username, password: password! });
    expect((await as('ops').get('/devices')).status).to.equal(200);
    expect((await as('fuota').get('/devices')).status).to.equal(403);
    expect(await renamed.stop()).to.equal(0);
    expect(JSON.parse(await readFile(join(dir, 'data', 'credential.json'), 'utf8'))).to.include({ username: 'ops' });

    // Started again under that name, it is simply the stored credential.
    const again = await startProgram({ ...base(), FUOTA_USERNAME: 'ops' });
    const record = findLog(again.output(), 'credential', { username: 'ops', source: 'stored' });
    expect(record, again.output()).to.not.equal(undefined);
    expect(record).to.not.have.property('renamedFrom');
  });

  it('says at start that client certificates are accepted, and which CA file vouches for them', async () => {
    const ca = await generateSelfSignedCertificate(['device-ca.example']);
    await writeFile(join(dir, 'ca.pem'), ca.cert);
    const program = await startProgram({ ...base(), FUOTA_PASSWORD: 'pw', FUOTA_TLS_CLIENT_CA: join(dir, 'ca.pem') });
    expect(
      findLog(program.output(), 'client certificates accepted', { ca: join(dir, 'ca.pem') }),
      program.output(),
    ).to.not.equal(undefined);
    const plain = await startProgram({ ...base(), FUOTA_PASSWORD: 'pw', FUOTA_DATA_DIR: join(dir, 'other') });
    expect(findLog(plain.output(), 'client certificates accepted')).to.equal(undefined);
  });

  it('prints on a first start what docs/operations.md shows: the same lines, with the same fields', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)), 'utf8');
    const sample = /```text\n(\[[\s\S]*?)```/.exec(readme)?.[1] ?? '';
    // "[time] INFO: message" starts a record; the indented "key: value" lines below are its fields.
    const shown = sample.split(/^(?=\[)/m).map((record) => {
      const [head = '', ...rest] = record.split('\n');
      return {
        msg: head.replace(/^\[[^\]]+\] INFO: /, ''),
        keys: rest.flatMap((line) => /^ {4}(\w+): "/.exec(line)?.[1] ?? []),
      };
    });
    expect(shown.length, sample).to.be.above(3);
    const program = await startProgram(base());
    const printed = logRecords(program.output()).map(({ level: _level, time: _time, msg, ...fields }) => ({
      msg,
      keys: Object.keys(fields),
    }));
    expect(printed).to.deep.equal(shown);
    const generated = program
      .output()
      .slice(program.output().indexOf('\n  Generated credential'), program.output().indexOf('choose your own.') + 16);
    expect(
      sample.replace(/password: \S+/, 'password: …').replaceAll('/home/me/fuota/data', join(dir, 'data')),
    ).to.include(generated.replace(/password: \S+/, 'password: …'));
  });

  it('with separate device and operator credentials generates no shared credential, and enforces the roles', async () => {
    const program = await startProgram({
      ...base(),
      FUOTA_DEVICE_USERNAME: 'fleet',
      FUOTA_DEVICE_PASSWORD: 'fleet-secret',
      FUOTA_OPERATOR_USERNAME: 'admin',
      FUOTA_OPERATOR_PASSWORD: 'admin-secret',
    });
    expect(program.output()).to.not.match(/password:/);
    expect(findLog(program.output(), 'credential', { username: 'admin', role: 'operator' })).to.not.equal(undefined);
    expect(findLog(program.output(), 'credential', { username: 'fleet', role: 'device' })).to.not.equal(undefined);
    const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
    const as = (username: string, password: string) =>
      new HttpsTestClient(`https://localhost:${program.port}`, cert, { username, password });
    expect((await as('admin', 'admin-secret').get('/devices')).status).to.equal(200);
    expect((await as('fleet', 'fleet-secret').get('/devices')).status).to.equal(403);
    expect((await as('fleet', 'fleet-secret').get('/devices/x?app_ver=1')).status).to.equal(404);
    expect((await as('fuota', 'anything').get('/devices')).status).to.equal(403);
  });

  it('stops with one clear line naming the variable when the configuration is invalid', async () => {
    for (const [env, variable] of [
      [{ FUOTA_PORT: 'http' }, 'FUOTA_PORT'],
      [{ US_SERVER_PORT: '99999' }, 'FUOTA_PORT'],
      [{ FUOTA_TLS_CERT: '/x.pem' }, 'FUOTA_TLS_KEY'],
      [{ FUOTA_MAX_UPLOAD_BYTES: 'lots' }, 'FUOTA_MAX_UPLOAD_BYTES'],
    ] as const) {
      const { code, output } = await runProgram({ ...base(), ...env }, ['serve']);
      expect(code).to.equal(2);
      expect(output.trim().split('\n')).to.have.length(1);
      expect(output).to.match(new RegExp(`^fuota: configuration error: ${variable}: `));
    }
  });

  it('stops with exit 2 and one line naming the variable for every problem the environment points at, found at start', async function () {
    this.timeout(120_000); // a dozen program starts on a busy machine
    const [one, other] = await Promise.all([
      generateSelfSignedCertificate(['localhost']),
      generateSelfSignedCertificate(['localhost']),
    ]);
    await writeFile(join(dir, 'cert.pem'), one.cert);
    await writeFile(join(dir, 'other-key.pem'), other.key);
    await writeFile(join(dir, 'not-pem.txt'), 'hello\n');
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const busyPort = String((busy.address() as { port: number }).port);
    try {
      for (const [env, variable, problem] of [
        [{ FUOTA_DATA_DIR: '/proc/1/nope' }, 'FUOTA_DATA_DIR', /cannot create \/proc\/1\/nope/],
        [{ FUOTA_DATA_DIR: join(dir, 'not-pem.txt') }, 'FUOTA_DATA_DIR', /is a file, not a directory/],
        [{ FUOTA_DATA_DIR: '/proc/self' }, 'FUOTA_DATA_DIR', /cannot be written/],
        [
          { FUOTA_TLS_CERT: join(dir, 'missing.pem'), FUOTA_TLS_KEY: join(dir, 'other-key.pem') },
          'FUOTA_TLS_CERT',
          /cannot read .*missing\.pem \(ENOENT\)/,
        ],
        [
          { FUOTA_TLS_CERT: join(dir, 'not-pem.txt'), FUOTA_TLS_KEY: join(dir, 'other-key.pem') },
          'FUOTA_TLS_CERT',
          /does not hold a PEM certificate/,
        ],
        [
          { FUOTA_TLS_CERT: join(dir, 'cert.pem'), FUOTA_TLS_KEY: join(dir, 'not-pem.txt') },
          'FUOTA_TLS_KEY',
          /does not hold a PEM private key/,
        ],
        [
          { FUOTA_TLS_CERT: join(dir, 'cert.pem'), FUOTA_TLS_KEY: join(dir, 'other-key.pem') },
          'FUOTA_TLS_KEY',
          /is not the key of the certificate/,
        ],
        [{ FUOTA_TLS_CLIENT_CA: join(dir, 'missing.pem') }, 'FUOTA_TLS_CLIENT_CA', /cannot read/],
        [{ FUOTA_TLS_CLIENT_CA: join(dir, 'not-pem.txt') }, 'FUOTA_TLS_CLIENT_CA', /does not hold a PEM certificate/],
        [{ FUOTA_HOST: 'no-such-host.invalid' }, 'FUOTA_HOST', /cannot resolve "no-such-host\.invalid"/],
        [{ FUOTA_HOST: '192.0.2.1' }, 'FUOTA_HOST', /is not an address of this machine/],
        [{ FUOTA_PORT: busyPort }, 'FUOTA_PORT', /is already in use/],
      ] as const) {
        // A generous mocha timeout is the only clock here: /proc/1/nope once never ended.
        const { code, output } = await runProgram({ ...base(), FUOTA_PASSWORD: 'pw', ...env }, ['serve']);
        expect(code, output).to.equal(2);
        expect(output.trim().split('\n'), output).to.have.length(1);
        expect(output)
          .to.match(new RegExp(`^fuota: configuration error: ${variable}: `))
          .and.match(problem);
      }
    } finally {
      busy.close();
    }
  });

  it('keeps no credential from a first start that failed, so that the next start shows the one it generates', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    try {
      const port = String((busy.address() as { port: number }).port);
      // Found by a new user: the password was generated and stored, the port was busy, and the
      // next start took the stored hash and never showed a password anyone had seen.
      const failed = await runProgram({ ...base(), FUOTA_PORT: port }, ['serve']);
      expect(failed.code, failed.output).to.equal(2);
      expect(failed.output).to.not.match(/password:/);
    } finally {
      busy.close();
    }
    const program = await startProgram(base());
    const password = /password: (\S+)/.exec(program.output())?.[1];
    expect(password, program.output()).to.be.a('string');
    expect(findLog(program.output(), 'credential', { source: 'generated' }), program.output()).to.not.equal(undefined);
    await program.stop();
  });

  it('stopped by SIGTERM while it starts (a database that hangs), exits 0 and keeps no credential it generated', async () => {
    const database = await startSilentTcpServer();
    try {
      // Before: the default action of SIGTERM ended the start midway, keeping a generated
      // password that was never shown, and the next start took it and showed none.
      const ended = await signalledStart(
        { ...base(), FUOTA_DATABASE_URL: `postgres://fuota@127.0.0.1:${database.port}/fuota` },
        database.connected,
      );
      expect({ code: ended.code, signal: ended.signal }, ended.output).to.deep.equal({ code: 0, signal: null });
      expect(
        findLog(ended.output, 'stopping before the start finished', { signal: 'SIGTERM' }),
        ended.output,
      ).to.not.equal(undefined);
      expect(ended.output).to.not.match(/password:/);
      expect(await stat(join(dir, 'data', 'credential.json')).catch(() => undefined)).to.equal(undefined);
    } finally {
      await database.close();
    }
    const program = await startProgram(base());
    expect(/password: (\S+)/.exec(program.output())?.[1], program.output()).to.be.a('string');
    await program.stop();
  });

  it('answers unknown commands with the usage and exit code 2', async () => {
    const { code, output } = await runProgram(base(), ['frobnicate']);
    expect(code).to.equal(2);
    expect(output).to.include('Usage: fuota-server');
    expect((await runProgram(base(), ['help'])).code).to.equal(0);
  });

  it('healthcheck exits 0 while the server configured by the same environment is healthy, 1 otherwise', async () => {
    const program = await startProgram({ ...base(), FUOTA_PASSWORD: 'pw' });
    const env = { ...base(), FUOTA_PASSWORD: 'pw', FUOTA_PORT: String(program.port) };
    const healthy = await runProgram(env, ['healthcheck']);
    expect([healthy.code, healthy.output]).to.deep.equal([0, 'healthy: /healthz answered 200\n']);
    await program.stop();
    const stopped = await runProgram(env, ['healthcheck']);
    expect([stopped.code, stopped.output]).to.deep.equal([1, 'unhealthy: no answer\n']);
  });

  it('logs JSON lines with a request id it also answers with, and honours FUOTA_LOG_LEVEL', async () => {
    const program = await startProgram({ ...base(), FUOTA_PASSWORD: 'pw' });
    const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
    const client = new HttpsTestClient(`https://localhost:${program.port}`, cert, {
      username: 'fuota',
      password: 'pw',
    });
    const own = await client.get('/devices', { headers: { 'X-Request-Id': 'trace-42' } });
    const generated = await client.get('/devices/nobody?app_ver=1');
    expect(own.headers['x-request-id']).to.equal('trace-42');
    expect(generated.headers['x-request-id']).to.match(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(await program.stop()).to.equal(0);
    const records = logRecords(program.output());
    expect(records.length).to.be.above(4);
    for (const record of records) expect(record).to.include.keys('level', 'time', 'msg');
    expect(findLog(program.output(), 'request', { path: '/devices', status: 200, reqId: 'trace-42' })).to.not.equal(
      undefined,
    );
    expect(
      findLog(program.output(), 'request', {
        path: '/devices/nobody',
        status: 404,
        reqId: generated.headers['x-request-id'],
      }),
    ).to.not.equal(undefined);

    // At warn, not even the "listening" line comes: find the server by its port instead.
    const port = await freePort();
    const quiet = spawn(process.execPath, [MAIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...base(),
        FUOTA_PORT: String(port),
        FUOTA_PASSWORD: 'pw',
        FUOTA_LOG_LEVEL: 'warn',
      },
    });
    let quietOutput = '';
    quiet.stdout.on('data', (chunk: Buffer) => (quietOutput += chunk.toString()));
    try {
      const quietClient = new HttpsTestClient(`https://localhost:${port}`, cert, { username: 'fuota', password: 'pw' });
      for (let attempt = 0; ; attempt += 1) {
        const answer = await quietClient.get('/devices').catch(() => undefined);
        if (answer?.status === 200) break;
        if (attempt > 100) throw new Error(`the quiet server did not answer: ${quietOutput}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      quiet.kill('SIGTERM');
      await once(quiet, 'exit');
    }
    expect(quietOutput).to.equal('');
    const invalid = await runProgram({ ...base(), FUOTA_LOG_LEVEL: 'chatty' }, ['serve']);
    expect([invalid.code, invalid.output]).to.deep.equal([
      2,
      'fuota: configuration error: FUOTA_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent (got "chatty")\n',
    ]);
  });

  it('refuses a second process on the same data dir', async () => {
    const first = await startProgram(base());
    try {
      const second = await runProgram(base(), ['serve']);
      expect(second.code).to.equal(1);
      expect(second.output).to.match(/in use by another fuota process \(host \S+, pid \d+, since /);
    } finally {
      await first.stop();
    }
  });

  it('keeps every acknowledged write across kill -9 and restart', async () => {
    const env = { ...base(), FUOTA_USERNAME: 'u', FUOTA_PASSWORD: 'p' };
    const first = await startProgram(env);
    const cert = await readFile(join(dir, 'data', 'tls', 'cert.pem'), 'utf8');
    const client = new HttpsTestClient(`https://localhost:${first.port}`, cert, { username: 'u', password: 'p' });
    expect(
      (await client.put('/files/a.bin', buildEspImage({ version: '2' }), 'application/octet-stream')).status,
    ).to.equal(200);
    const writes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.put(`/devices/d${i}`, `"d${i}","1","a.bin"`, 'text/csv')),
    );
    expect(writes.every((res) => res.status === 200)).to.equal(true);
    await first.stop('SIGKILL');

    const second = await startProgram(env);
    const again = new HttpsTestClient(`https://localhost:${second.port}`, cert, { username: 'u', password: 'p' });
    const listing = (await again.get('/devices')).text.trim().split('\n');
    expect(listing).to.have.length(40);
    expect((await again.get('/devices/d39?app_ver=1')).text).to.equal('a.bin');
    expect((await again.get('/files/a.bin')).body.equals(buildEspImage({ version: '2' }))).to.equal(true);
    await second.stop();
  });

  it("serves with an operator's own RSA pair made as the seed README makes it", async function () {
    requireTool(this, 'openssl', 'openssl', 'version');
    requireTool(this, 'curl', 'curl');
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-keyout',
        'ca_key.pem',
        '-out',
        'ca_cert.pem',
        '-days',
        '365',
        '-nodes',
        '-subj',
        '/CN=localhost',
      ],
      { cwd: dir },
    );
    const program = await startProgram({
      ...base(),
      FUOTA_TLS_CERT: join(dir, 'ca_cert.pem'),
      FUOTA_TLS_KEY: join(dir, 'ca_key.pem'),
      US_AUTH_USERNAME: 'seed',
      US_AUTH_PASSWORD: 'secret',
    });
    try {
      expect(
        findLog(program.output(), 'TLS certificate', { path: /ca_cert\.pem$/, source: 'configured' }),
      ).to.not.equal(undefined);
      const { stdout } = await run('curl', [
        '-sS',
        '-u',
        'seed:secret',
        '--cacert',
        join(dir, 'ca_cert.pem'),
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `https://localhost:${program.port}/devices`,
      ]);
      expect(stdout).to.equal('200');
    } finally {
      await program.stop();
    }
  });
});
