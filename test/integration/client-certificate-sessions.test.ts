import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { certificateOutcome } from '../../src/adapters/inbound/http/client-certificate.js';
import { HttpsServer } from '../../src/adapters/inbound/http/https-server.js';
import { testCertificate } from '../support/test-server.js';
import { requireTool } from '../support/tools.js';

const run = promisify(execFile);

/**
 * A device's TLS session (a ticket, with the instances' shared ticket keys) resumes only under
 * the client CA its certificate was verified against: an operator who moves the fleet to a new
 * CA shuts out a device with a certificate of the old one, resumed sessions included (found by a
 * review: a session saved before the change resumed after it, without any certificate, for good).
 */
describe('HTTPS: client certificates and resumed TLS sessions', function () {
  const ticketKeys = randomBytes(48);
  let dir = '';
  let server: HttpsServer | undefined;

  before(async function () {
    requireTool(this, 'openssl', 'openssl', 'version');
    dir = await mkdtemp(join(tmpdir(), 'fuota-cert-sessions-'));
    const ca = (name: string) =>
      `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj '/CN=${name}' ` +
      `-keyout ${name}.key -out ${name}.pem`;
    await run(
      'bash',
      [
        '-c',
        [
          ca('ca-1'),
          ca('ca-2'),
          "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=lamp-1' " +
            '-addext extendedKeyUsage=clientAuth -keyout lamp.key -out lamp.csr',
          'openssl x509 -req -in lamp.csr -CA ca-1.pem -CAkey ca-1.key -CAcreateserial -copy_extensions copy ' +
            '-days 30 -out lamp.pem',
        ].join(' && '),
      ],
      { cwd: dir },
    );
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A server on `caFile` that answers what certificateOutcome made of each request. */
  async function serve(caFile: string): Promise<number> {
    const { cert, key } = await testCertificate();
    server = new HttpsServer(
      (req, res) => {
        const outcome = certificateOutcome(req);
        res.end(outcome.kind === 'authenticated' ? `device ${outcome.user}` : outcome.kind);
      },
      {
        host: '127.0.0.1',
        port: 0,
        cert,
        key,
        clientCa: await readFile(join(dir, caFile), 'utf8'),
        ticketKeys,
        maxUploadBytes: 1,
      },
    );
    return (await server.start()).port;
  }

  /** One request over a new connection (resuming `session` when given): the answer, the session to resume, whether resumed. */
  async function request(
    port: number,
    options: { certificate: boolean; session?: Buffer },
  ): Promise<{ answer: string; session: Buffer; reused: boolean }> {
    const { cert } = await testCertificate();
    const own = options.certificate
      ? { cert: await readFile(join(dir, 'lamp.pem')), key: await readFile(join(dir, 'lamp.key')) }
      : {};
    return new Promise((resolve, reject) => {
      let ticket: Buffer | undefined;
      let reused = false;
      let answer = '';
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: cert,
        ...own,
        ...(options.session === undefined ? {} : { session: options.session }),
      });
      socket.on('session', (next: Buffer) => (ticket = next));
      socket.once('secureConnect', () => {
        reused = socket.isSessionReused();
        socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.once('error', reject);
      socket.once('close', () => {
        const next = ticket ?? socket.getSession();
        if (next === undefined) reject(new Error('no session to resume'));
        else resolve({ answer: answer.slice(answer.indexOf('\r\n\r\n') + 4), session: next, reused });
      });
    });
  }

  it('resumes a session under the same CA, as the device it was verified as', async () => {
    const port = await serve('ca-1.pem');
    const fresh = await request(port, { certificate: true });
    expect(fresh.answer).to.equal('device lamp-1');
    const resumed = await request(port, { certificate: false, session: fresh.session });
    expect([resumed.reused, resumed.answer]).to.deep.equal([true, 'device lamp-1']);
  });

  it('does not resume it once the client CA changed: the device must present a certificate of the new CA', async () => {
    const before = await request(await serve('ca-1.pem'), { certificate: true });
    expect(before.answer).to.equal('device lamp-1');
    await server?.stop();
    const port = await serve('ca-2.pem');
    const after = await request(port, { certificate: false, session: before.session });
    expect([after.reused, after.answer]).to.deep.equal([false, 'none']);
    expect((await request(port, { certificate: true })).answer).to.equal('refused');
  });
});
