import { RECORD_DELAY_MS } from '../../src/adapters/inbound/http/finished-request.js';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import { FaultyFileIo } from '../support/faulty-file-io.js';
import type { CliBench } from '../support/cli-bench.js';
import { CLI, startCliBench } from '../support/cli-bench.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

interface Issued {
  cert: string;
  key: string;
  keys: webcrypto.CryptoKeyPair;
  name: string;
}

/** A certificate for `names`, valid between the given dates, self-signed or issued by `issuer`. */
async function certificate(
  names: string[],
  options: { notBefore?: Date; notAfter?: Date; issuer?: Issued; ca?: boolean } = {},
): Promise<Issued> {
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const name = `CN=${names[0]}`;
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    subject: name,
    issuer: options.issuer?.name ?? name,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: (options.issuer?.keys ?? keys).privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(options.ca === true, undefined, true),
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => (/^\d/.test(value) ? { type: 'ip', value } : { type: 'dns', value })),
      ),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: `${generated.toString('pem')}\n`,
    key: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
    keys,
    name,
  };
}

/** An HTTPS server with `material` that answers nothing useful: these requests end at the handshake. */
async function tlsOnlyServer(material: { cert: string; key: string }): Promise<{ server: Server; url: string }> {
  const server = createServer(material, (_req, res) => res.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * A stand-in for the server that records the user name of every request's Basic credential and
 * answers `GET /devices` with `csv` (so that a listing of any length can be asked for).
 */
async function devicesStub(csv: string): Promise<{ server: Server; url: string; users: string[] }> {
  const users: string[] = [];
  const server = createServer(await testCertificate(), (req, res) => {
    const basic = /^Basic (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    users.push(Buffer.from(basic, 'base64').toString('utf8').split(':')[0] ?? '');
    res.writeHead(200, { 'Content-Type': 'text/csv' }).end(csv);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}`, users };
}

/** The operator friction of the `fuota` command, each case as a child process against a server. */
describe('e2e: the fuota CLI says what to do', () => {
  let bench: CliBench;
  let t: RunningTestServer;
  let dir: string;
  let env: Record<string, string>;
  const image = buildEspImage({ version: 'v2.0.0', projectName: 'lamp', chip: 'esp32' });

  before(async () => {
    bench = await startCliBench({ 'lamp.bin': image });
    ({ t, dir, env } = bench);
  });
  after(() => bench.stop());

  const fuota = (args: string[], changes: Record<string, string | undefined> = {}) => bench.fuota(args, changes);
  /**
   * How many requests the server has answered so far (it logs every one). Its lines are made at
   * most RECORD_DELAY_MS after each answer, on a timer of this process (the server runs in it):
   * a timer set now fires after every one of those.
   */
  const requestsLogged = async () => {
    await new Promise((resolve) => setTimeout(resolve, RECORD_DELAY_MS));
    return t.logger.lines.filter((line) => line.startsWith('info request ')).length;
  };

  describe('TLS failures: one line naming the problem and the fix, exit 1', () => {
    const servers: Server[] = [];
    after(() => {
      for (const server of servers) server.close();
    });
    const serve = async (material: { cert: string; key: string }) => {
      const started = await tlsOnlyServer(material);
      servers.push(started.server);
      return started.url;
    };

    it('a self-signed certificate without --ca-cert: pass --ca-cert or FUOTA_CA_CERT, the generated one is <data dir>/tls/cert.pem', async () => {
      const result = await fuota(['devices'], { FUOTA_CA_CERT: undefined });
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr)
        .to.include(`cannot trust https://localhost:${t.server.address.port}: its certificate is self-signed`)
        .and.include('pass --ca-cert <file> or set FUOTA_CA_CERT')
        .and.include('<data dir>/tls/cert.pem');
    });

    it('a self-signed certificate that is not the --ca-cert file: names the file as the wrong one', async () => {
      await writeFile(join(dir, 'other.pem'), (await certificate(['localhost'])).cert);
      const result = await fuota(['devices', '--ca-cert', 'other.pem']);
      expect(result.code).to.equal(1);
      expect(result.stderr)
        .to.include('its certificate is self-signed')
        .and.include('other.pem is not it: pass the right file with --ca-cert or FUOTA_CA_CERT');
    });

    it("a certificate issued by an unknown CA: pass that CA's certificate", async () => {
      const ca = await certificate(['fuota test CA'], { ca: true });
      const url = await serve(await certificate(['127.0.0.1'], { issuer: ca }));
      const result = await fuota(['devices', '--url', url], { FUOTA_CA_CERT: undefined });
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr).to.include(
        'signed by a certificate authority not trusted here; pass --ca-cert <file> or set FUOTA_CA_CERT',
      );
      await writeFile(join(dir, 'test-ca.pem'), ca.cert);
      // With that CA it gets through the handshake (this bare server then answers 200 with nothing).
      expect((await fuota(['devices', '--url', url, '--ca-cert', 'test-ca.pem'])).stderr).not.to.include(
        'cannot trust',
      );
    });

    it('a host name the certificate is not for: shows the names it is for and what to change', async () => {
      const material = await certificate(['fuota.example.net']);
      await writeFile(join(dir, 'named.pem'), material.cert);
      const url = await serve(material);
      const result = await fuota(['devices', '--url', url, '--ca-cert', 'named.pem']);
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr)
        .to.include('its certificate is for DNS:fuota.example.net, not 127.0.0.1')
        .and.include("use one of those in --url/FUOTA_URL, or add 127.0.0.1 to the server's FUOTA_TLS_HOSTNAMES");
    });

    it('an expired certificate: says so, and to check the clock or renew it', async () => {
      const material = await certificate(['127.0.0.1'], {
        notBefore: new Date(Date.now() - 400 * DAY),
        notAfter: new Date(Date.now() - 30 * DAY),
      });
      await writeFile(join(dir, 'expired.pem'), material.cert);
      const url = await serve(material);
      const result = await fuota(['devices', '--url', url, '--ca-cert', 'expired.pem']);
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr)
        .to.include('its certificate has expired')
        .and.include("check this machine's clock, or give the server a renewed certificate");
    });
  });

  describe('a --ca-cert/FUOTA_CA_CERT that is no certificate: usage error naming the file and why, before any request', () => {
    const cases: Array<[string, (file: string) => Promise<void>, string]> = [
      ['a missing file', async () => {}, 'cannot read it (no such file)'],
      ['a directory', (file) => mkdir(file), 'cannot read it (it is a directory)'],
      [
        'a text file',
        (file) => writeFile(file, 'hello\n'),
        'not a PEM certificate (no -----BEGIN CERTIFICATE----- block)',
      ],
      [
        'the private key',
        async (file) => writeFile(file, (await testCertificate()).key),
        'holds a private key, not a certificate',
      ],
      [
        'a DER certificate',
        async (file) => writeFile(file, Buffer.from(new x509.X509Certificate((await testCertificate()).cert).rawData)),
        'a DER certificate, not PEM; convert it: openssl x509 -inform der',
      ],
      [
        'a damaged PEM certificate',
        async (file) =>
          writeFile(file, (await testCertificate()).cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')),
        'holds a damaged certificate',
      ],
    ];
    cases.forEach(([name, make, reason], index) => {
      it(name, async () => {
        const file = join(dir, `bad-ca-${index}`);
        await make(file);
        const before = await requestsLogged();
        for (const [args, changes] of [
          [['devices', '--ca-cert', file], {}],
          [['devices'], { FUOTA_CA_CERT: file }],
        ] as const) {
          const result = await fuota([...args], changes);
          expect(result.code, result.stderr).to.equal(2);
          expect(
            result.stderr.startsWith(`fuota: --ca-cert/FUOTA_CA_CERT: ${file}: ${reason}`),
            result.stderr,
          ).to.equal(true);
          expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
        }
        expect(await requestsLogged()).to.equal(before);
      });
    });
  });

  describe('no password', () => {
    it('without a terminal: a usage error saying to pass --password or FUOTA_PASSWORD, and no request (so no failed authentication)', async () => {
      const before = await requestsLogged();
      const result = await fuota(['devices'], { FUOTA_PASSWORD: undefined });
      expect([result.code, result.stderr]).to.deep.equal([
        2,
        'fuota: no password: pass --password or set FUOTA_PASSWORD (there is no terminal to ask on)\n',
      ]);
      // Without a username either, only the password is missing: the username defaults to fuota.
      const neither = await fuota(['devices'], { FUOTA_PASSWORD: '', FUOTA_USERNAME: undefined });
      expect([neither.code, neither.stderr]).to.deep.equal([
        2,
        'fuota: no password: pass --password or set FUOTA_PASSWORD (there is no terminal to ask on)\n',
      ]);
      expect(await requestsLogged()).to.equal(before);
    });

    /** Runs of onTerminal not ended yet: a prompt that never came leaves one waiting for an answer. */
    const onTerminalNow = new Set<ChildProcess>();
    afterEach(() => {
      for (const child of onTerminalNow) child.kill();
    });

    /**
     * Runs `fuota <args>` under script(1), so that its stdin and stderr are a terminal, typing
     * each answer once its prompt has appeared.
     */
    function onTerminal(
      args: string[],
      childEnv: Record<string, string>,
      answers: Array<[prompt: string, typed: string]>,
    ): Promise<{ code: number | null; output: string }> {
      const command = [process.execPath, CLI, ...args].map((part) => `'${part}'`).join(' ');
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: dir,
        env: childEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      onTerminalNow.add(child);
      child.on('close', () => onTerminalNow.delete(child));
      let output = '';
      const pending = [...answers];
      const answer = () => {
        const next = pending[0];
        // Only once the prompt is shown: readline has the terminal in raw mode (no echo) by then.
        if (next !== undefined && output.includes(next[0])) {
          pending.shift();
          child.stdin.write(`${next[1]}\r`);
          answer();
        }
      };
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        answer();
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
    }

    it('on a terminal: asks for it without echoing it, then does the command', async function () {
      requireTool(this, 'script', 'bsdutils', '--version');
      const { FUOTA_PASSWORD: _password, ...withoutPassword } = env;
      const result = await onTerminal(['--json', 'devices'], withoutPassword, [
        [`Password for ${TEST_CREDENTIAL.username} at https://localhost:`, TEST_CREDENTIAL.password],
      ]);
      expect(result.code, result.output).to.equal(0);
      expect(result.output).to.include('[]');
      expect(result.output).not.to.include(TEST_CREDENTIAL.password);
    });

    it("on a terminal without a username: asks only for the password, of the server's default user fuota", async function () {
      requireTool(this, 'script', 'bsdutils', '--version');
      const stub = await devicesStub('');
      try {
        const { FUOTA_PASSWORD: _password, FUOTA_USERNAME: _username, ...withoutCredential } = env;
        const result = await onTerminal(['devices', '--url', stub.url], withoutCredential, [
          [`Password for fuota at ${stub.url}: `, 'typed secret'],
        ]);
        expect(result.code, result.output).to.equal(0);
        expect(result.output).not.to.include('Username for');
        expect(result.output).to.include('no device rows');
        expect(result.output).not.to.include('typed secret');
        expect(stub.users).to.deep.equal(['fuota']);
      } finally {
        stub.server.close();
      }
    });

    it('on a terminal, upload asks before it draws its progress bar (not in the middle of it)', async function () {
      requireTool(this, 'script', 'bsdutils', '--version');
      await writeFile(join(dir, 'notes.bin'), Buffer.alloc(64 * 1024, 7));
      const { FUOTA_PASSWORD: _password, ...withoutPassword } = env;
      const result = await onTerminal(['upload', 'notes.bin', '--no-validate'], withoutPassword, [
        ['Password for', TEST_CREDENTIAL.password],
      ]);
      expect(result.code, result.output).to.equal(0);
      const prompt = result.output.indexOf('Password for');
      const bar = result.output.indexOf('upload notes.bin [');
      expect(prompt, result.output).to.be.at.least(0);
      expect(bar, result.output).to.be.above(prompt);
      expect(result.output).to.include('stored notes.bin');
    });
  });

  describe('assign', () => {
    it('to a file that is not stored: assigns, and warns on stderr that the device is told 404 until it is uploaded', async () => {
      const text = await fuota(['assign', 'aa:01', '--from', 'v1.0.0', '--file', 'lamp/later.bin']);
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.equal('aa:01: running v1.0.0, it will be offered lamp/later.bin\n');
      expect(text.stderr).to.equal(
        'fuota: warning: lamp/later.bin is not stored: the device is told 404 when it checks until it is uploaded (fuota upload <file> --as lamp/later.bin)\n',
      );
      const json = await fuota(['--json', 'assign', 'aa:02', '--from', 'v1.0.0', '--file', 'lamp/later.bin']);
      expect(json.code).to.equal(0);
      expect(JSON.parse(json.stdout)).to.deep.equal({
        deviceId: 'aa:02',
        appVersion: 'v1.0.0',
        updateFilePath: 'lamp/later.bin',
        fileStored: false,
      });
      expect(json.stderr).to.include('warning: lamp/later.bin is not stored');
      expect((await fuota(['--json', 'devices'])).stdout).to.include('"deviceId": "aa:02"');
    });

    it('to a stored file: no warning', async () => {
      expect((await fuota(['upload', 'lamp.bin', '--as', 'lamp/v2.0.0.bin'])).code).to.equal(0);
      const result = await fuota(['--json', 'assign', 'aa:03', '--from', 'v1.0.0', '--file', 'lamp/v2.0.0.bin']);
      expect([result.code, result.stderr]).to.deep.equal([0, '']);
      expect(JSON.parse(result.stdout)).to.include({ fileStored: true });
    });

    it("to an image of the version the device runs: exit 5 with the server's reason (409)", async () => {
      expect((await fuota(['upload', 'lamp.bin', '--as', 'lamp/same.bin'])).code).to.equal(0);
      const result = await fuota(['assign', 'aa:04', '--from', 'v2.0.0', '--file', 'lamp/same.bin']);
      expect(result.code).to.equal(5);
      expect(result.stderr).to.equal(
        'fuota: the server answered 409: lamp/same.bin is version v2.0.0, the version the device would update from: it would install the same version again after every check\n',
      );
    });
  });

  describe("the username defaults to the server's default, fuota", () => {
    it('no FUOTA_USERNAME (or an empty one) and no --username: the request is made as fuota', async () => {
      const stub = await devicesStub('');
      try {
        for (const changes of [{ FUOTA_USERNAME: undefined }, { FUOTA_USERNAME: '' }]) {
          const result = await fuota(['devices', '--url', stub.url], changes);
          expect([result.code, result.stderr]).to.deep.equal([0, '']);
        }
        expect(
          (await fuota(['devices', '--url', stub.url, '--username', 'admin'], { FUOTA_USERNAME: undefined })).code,
        ).to.equal(0);
        expect(stub.users).to.deep.equal(['fuota', 'fuota', 'admin']);
      } finally {
        stub.server.close();
      }
    });

    it('--help says so', async () => {
      expect((await fuota(['--help'])).stdout).to.match(
        /--username <name> +operator username \(env FUOTA_USERNAME; default\s+fuota/,
      );
    });
  });

  describe("a reader that goes away (a closed pipe, EPIPE): the output is cut short quietly, the exit status is the command's", () => {
    /**
     * Runs `fuota <args>` with `stream` read by a reader that goes away: `at-once` closes the read
     * end before the program has started (its first write meets EPIPE); `after-first-bytes` reads
     * one chunk and closes, which output larger than a pipe holds (64 KiB) meets whatever the timing.
     */
    function readerGone(
      args: string[],
      childEnv: Record<string, string>,
      stream: 'stdout' | 'stderr',
      when: 'at-once' | 'after-first-bytes',
    ) {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const cut = child[stream];
      const other = stream === 'stdout' ? child.stderr : child.stdout;
      if (when === 'at-once') cut.destroy();
      else cut.once('data', () => cut.destroy());
      let text = '';
      other.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return new Promise<{ code: number | null; signal: NodeJS.Signals | null; other: string }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal, other: text })),
      );
    }

    it('fuota --help | head: exit 0, nothing on stderr (it was a stack trace of write EPIPE)', async () => {
      const result = await readerGone(['--help'], env, 'stdout', 'at-once');
      expect(result).to.deep.equal({ code: 0, signal: null, other: '' });
    });

    it('a listing longer than a pipe holds, its reader gone after the first bytes: exit 0, nothing on stderr', async () => {
      const rows = Array.from(
        { length: 5000 },
        (_, n) =>
          `"24:0A:C4:00:${String(Math.floor(n / 100)).padStart(2, '0')}:${String(n % 100).padStart(2, '0')}","v1.0.0","lamp/v2.0.0.bin"`,
      );
      const stub = await devicesStub(`${rows.join('\n')}\n`);
      try {
        for (const json of [[], ['--json']]) {
          const result = await readerGone([...json, 'devices', '--url', stub.url], env, 'stdout', 'after-first-bytes');
          expect(result).to.deep.equal({ code: 0, signal: null, other: '' });
        }
        expect(stub.users).to.have.length(2);
      } finally {
        stub.server.close();
      }
    });

    it('fuota download -o - | head -c 10: exit 0, nothing on stderr (it was "the download failed: write EPIPE", exit 1)', async () => {
      await writeFile(join(dir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 3));
      expect((await fuota(['upload', 'big.bin', '--no-validate', '--as', 'pipe/big.bin'])).code).to.equal(0);
      for (let n = 0; n < 3; n += 1) {
        const result = await readerGone(['download', 'pipe/big.bin', '-o', '-'], env, 'stdout', 'after-first-bytes');
        expect(result).to.deep.equal({ code: 0, signal: null, other: '' });
      }
    });

    it('a failure whose message nobody reads (stderr closed) still exits with its own status', async () => {
      const { FUOTA_PASSWORD: _password, ...withoutPassword } = env;
      const result = await readerGone(['devices'], withoutPassword, 'stderr', 'at-once');
      expect(result).to.deep.equal({ code: 2, signal: null, other: '' });
    });
  });

  describe('a server whose disk is full (507 storage-full)', () => {
    let io: FaultyFileIo;
    let full: RunningTestServer & { url: string };
    before(async () => {
      io = new FaultyFileIo();
      const started = await startTestServer({ filesIo: io });
      full = Object.assign(started, { url: `https://localhost:${started.server.address.port}` });
    });
    after(() => full.stop());
    afterEach(() => io.freeDisk());

    it("upload: exit 1 (a server error), one line saying that the server's disk is full, that nothing was stored, and what to do", async () => {
      io.fillDisk(image.length - 100);
      const result = await fuota(['upload', 'lamp.bin', '--as', 'lamp/v2.0.0.bin', '--url', full.url]);
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr)
        .to.match(/^fuota: the server's disk is full, nothing was stored: /)
        .and.include('free space on the server (its data dir, FUOTA_DATA_DIR)')
        .and.include('fuota rm <path>')
        .and.include('then run the command again')
        .and.include('storing lamp/v2.0.0.bin failed'); // the server's own detail, last
      expect((await fuota(['files', '--url', full.url])).stdout).not.to.include('lamp/v2.0.0.bin');
    });

    it("upload --json: the same message, with the server's problem (code storage-full)", async () => {
      io.fillDisk(0);
      const result = await fuota(['--json', 'upload', 'lamp.bin', '--url', full.url]);
      expect(result.code).to.equal(1);
      const answer = JSON.parse(result.stdout) as {
        error: string;
        exitCode: number;
        problem: { status: number; code: string };
      };
      expect(answer.error).to.match(/^the server's disk is full, nothing was stored: /);
      expect(answer).to.include({ exitCode: 1 });
      expect(answer.problem).to.include({ status: 507, code: 'storage-full' });
    });

    it('once space is freed, the same upload succeeds', async () => {
      const result = await fuota(['upload', 'lamp.bin', '--url', full.url]);
      expect([result.code, result.stderr]).to.deep.equal([0, '']);
    });
  });
});
