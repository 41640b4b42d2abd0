import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { HttpsServer } from '../../src/adapters/inbound/http/https-server.js';
import { testCertificate } from '../support/test-server.js';

/**
 * A half-open plain-HTTP client: it never finishes its request, keeps its side open after the
 * server's FIN and sends a byte every 50 ms for as long as the connection lasts. `closed`
 * resolves with what the server sent once the server ends the connection (the client itself
 * never closes it).
 */
function trickle(port: number): { readonly socket: Socket; readonly closed: Promise<string> } {
  const socket = connectTcp({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.write('GET /devices/dev1?app_ver=1.0 HTTP/1.1\r\nHost: localhost\r\n');
  const timer = setInterval(() => socket.write('X'), 50);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // The server may close with unread bytes in flight, which the client sees as a reset.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(text);
    }),
  );
  return { socket, closed };
}

async function startServer(plainHttpDrainMs?: number): Promise<HttpsServer> {
  const { cert, key } = await testCertificate();
  const server = new HttpsServer((_req, res) => res.end('ok'), {
    host: '127.0.0.1',
    port: 0,
    cert,
    key,
    maxUploadBytes: 1024,
    plainHttpDrainMs,
  });
  await server.start();
  return server;
}

describe('plain HTTP on the HTTPS port: a client that trickles bytes', () => {
  it('is disconnected by the server after its 400, however often it sends a byte', async function () {
    this.timeout(60_000);
    const server = await startServer();
    try {
      const client = trickle(server.address().port);
      // Without a deadline the connection would last as long as the client trickles: the test
      // then ends by mocha's timeout, not here.
      const answer = await client.closed;
      expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(client.socket.destroyed).to.equal(true);
    } finally {
      await server.stop();
    }
  });

  it('does not hold up stop(): stop() ends the connection while it still trickles', async function () {
    this.timeout(60_000);
    // A drain deadline far beyond the test's timeout: only stop() itself can end the connection.
    const server = await startServer(3_600_000);
    const client = trickle(server.address().port);
    await new Promise<void>((resolve) => client.socket.once('data', () => resolve()));
    await server.stop();
    expect(await client.closed).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
