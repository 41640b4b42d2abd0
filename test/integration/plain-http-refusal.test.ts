import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { expect } from 'chai';
import { HttpsServer } from '../../src/adapters/inbound/http/https-server.js';
import { testCertificate } from '../support/test-server.js';

const BODY = 'This port speaks HTTPS only: send the request to https:// instead of http://.\n';

/**
 * A plain TCP client that sends `first`, then (when `trickle`) a byte every 50 ms for as long as
 * the connection lasts, never closing its side. `closed` resolves with everything the server
 * sent and whether the connection ended in a reset.
 */
function plainClient(
  port: number,
  first: string,
  trickle = false,
): { readonly socket: Socket; readonly closed: Promise<{ text: string; reset: boolean }> } {
  const socket = connectTcp({ port, host: '127.0.0.1', allowHalfOpen: trickle });
  socket.write(first);
  const timer = trickle ? setInterval(() => socket.write('X'), 50) : undefined;
  let text = '';
  let reset = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // The server closes with unread bytes in flight (a body still coming): a reset after its answer.
  socket.on('error', () => (reset = true));
  const closed = new Promise<{ text: string; reset: boolean }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ text, reset });
    }),
  );
  return { socket, closed };
}

function expectRefusal(text: string): void {
  expect(text).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
  expect(text).to.match(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  expect(text).to.match(/\r\nConnection: close\r\n/);
  expect(text.slice(text.indexOf('\r\n\r\n') + 4)).to.equal(BODY);
}

describe('plain HTTP on the HTTPS port', () => {
  let server: HttpsServer;
  let ca: string;
  const port = () => server.address().port;

  beforeEach(async () => {
    const { cert, key } = await testCertificate();
    ca = cert;
    server = new HttpsServer((_req, res) => res.end('ok'), {
      host: '127.0.0.1',
      port: 0,
      cert,
      key,
      maxUploadBytes: 1024,
    });
    await server.start();
  });
  afterEach(() => server.stop());

  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT']) {
    it(`answers a ${method} request line with the plain-text 400 and closes`, async () => {
      const target = method === 'CONNECT' ? 'example.com:443' : '/devices/dev1?app_ver=1.0';
      const { text } = await plainClient(port(), `${method} ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`).closed;
      expectRefusal(text);
    });
  }

  it('sends the whole 400 before closing on a request whose body is still coming (a reset may follow)', async () => {
    for (const size of [70_000, 600_000]) {
      const request = `PUT /files/x.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${size}\r\n\r\n`;
      const { text } = await plainClient(port(), request + 'x'.repeat(size)).closed;
      expectRefusal(text);
    }
  });

  it('disconnects a client that trickles a byte at a time, right after its 400', async function () {
    this.timeout(20_000);
    const client = plainClient(port(), 'GET /devices/dev1?app_ver=1.0 HTTP/1.1\r\nHost: localhost\r\n', true);
    const { text } = await client.closed;
    expectRefusal(text);
    expect(client.socket.destroyed).to.equal(true);
  });

  it('answers a TLS client that fails its handshake (it does not trust the certificate) with no plain text', async () => {
    const received: Buffer[] = [];
    const socket = connectTcp({ port: port(), host: '127.0.0.1' });
    // A TLS client without the CA: it aborts the handshake itself; the raw bytes it sees are TLS only.
    const tls = connectTls({ socket, servername: 'localhost' });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => tls.once('error', resolve));
    expect(error.code).to.match(/CERT|SELF_SIGNED|UNABLE/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Buffer.concat(received).toString('latin1')).to.not.include('HTTP/1.1 400');
  });

  it('still speaks TLS on the same port after refusing plain HTTP', async () => {
    expectRefusal((await plainClient(port(), 'GET / HTTP/1.1\r\n\r\n').closed).text);
    const answer = await new Promise<string>((resolve, reject) => {
      const tls = connectTls({ port: port(), host: '127.0.0.1', ca, servername: 'localhost' }, () =>
        tls.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      tls.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      tls.on('end', () => resolve(text));
      tls.on('error', reject);
    });
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
