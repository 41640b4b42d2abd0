import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { HttpsServer } from '../../src/adapters/inbound/http/https-server.js';
import { testCertificate } from '../support/test-server.js';

async function startServer(stopGraceMs: number): Promise<HttpsServer> {
  const { cert, key } = await testCertificate();
  const server = new HttpsServer((_req, res) => res.end('ok'), {
    host: '127.0.0.1',
    port: 0,
    cert,
    key,
    maxUploadBytes: 1024,
    stopGraceMs,
  });
  await server.start();
  return server;
}

async function connected(port: number, first?: Buffer): Promise<Socket> {
  const socket = connectTcp({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await once(socket, 'connect');
  if (first !== undefined) socket.write(first);
  return socket;
}

describe('HttpsServer.stop() and connections that never became HTTP ones', () => {
  // The TLS handshake timeout is 10 s: a stop that waited for it would take that long.
  for (const [what, first] of [
    ['a client that connected and sent nothing', undefined],
    ['a client that stalled in its TLS handshake (half a record header)', Buffer.from([0x16, 0x03, 0x01])],
  ] as const) {
    it(`cuts ${what} once the grace period is over, without waiting for the handshake timeout`, async function () {
      this.timeout(20_000);
      const server = await startServer(200);
      const client = await connected(server.address().port, first);
      const closed = once(client, 'close');
      const started = performance.now();
      await server.stop();
      await closed;
      expect(performance.now() - started).to.be.below(5_000);
    });
  }
});
