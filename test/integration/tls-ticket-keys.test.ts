import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect, type SecureVersion } from 'node:tls';
import { startTestServer, testCertificate, type RunningTestServer } from '../support/test-server.js';

/**
 * FUOTA_TLS_TICKET_KEYS (issue 19): instances given the same key accept each other's session
 * tickets, so a device resumes its TLS session on whichever instance it reaches; instances with
 * their own keys do not.
 */
describe('TLS session tickets shared by instances (FUOTA_TLS_TICKET_KEYS)', () => {
  const shared = randomBytes(48);
  const servers: RunningTestServer[] = [];
  let first: RunningTestServer;
  let second: RunningTestServer;
  let stranger: RunningTestServer;

  before(async () => {
    first = await startTestServer({ tlsTicketKeys: shared });
    second = await startTestServer({ tlsTicketKeys: shared });
    stranger = await startTestServer();
    servers.push(first, second, stranger);
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  /**
   * One TLS connection to `server` (resuming `session` when given) that sends a request so that
   * a TLS 1.3 server sends its ticket; the session to resume next, and whether this one resumed.
   */
  async function handshake(
    server: RunningTestServer,
    version: SecureVersion,
    session?: Buffer,
  ): Promise<{ session: Buffer; reused: boolean }> {
    const { cert } = await testCertificate();
    return new Promise((resolve, reject) => {
      let ticket: Buffer | undefined;
      let reused = false;
      const socket = connect({
        host: '127.0.0.1',
        port: server.server.address.port,
        servername: 'localhost',
        ca: cert,
        minVersion: version,
        maxVersion: version,
        ...(session === undefined ? {} : { session }),
      });
      socket.on('session', (next: Buffer) => {
        ticket = next;
      });
      socket.once('secureConnect', () => {
        reused = socket.isSessionReused();
        socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      socket.on('data', () => undefined);
      socket.once('error', reject);
      socket.once('close', () => {
        const next = ticket ?? socket.getSession();
        if (next === undefined) reject(new Error('no session to resume'));
        else resolve({ session: next, reused });
      });
    });
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: a session from one instance resumes on another with the same key`, async () => {
      const fresh = await handshake(first, version);
      expect(fresh.reused).to.equal(false);
      const resumed = await handshake(second, version, fresh.session);
      expect(resumed.reused).to.equal(true);
    });

    it(`${version}: an instance with its own key makes a full handshake instead`, async () => {
      const fresh = await handshake(first, version);
      const elsewhere = await handshake(stranger, version, fresh.session);
      expect(elsewhere.reused).to.equal(false);
      // The control: the same ticket does resume where it was issued.
      expect((await handshake(first, version, fresh.session)).reused).to.equal(true);
    });
  }
});
