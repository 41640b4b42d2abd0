import { expect } from 'chai';
import { connect, type ConnectionOptions } from 'node:tls';
import { startTestServer, testCertificate, type RunningTestServer } from '../support/test-server.js';

/**
 * The server chooses the cipher from its own order (tls-cipher-order.ts): TLS 1.3 clients that
 * list TLS_AES_256_GCM_SHA384 first get TLS_AES_128_GCM_SHA256, and a client that offers only
 * something else still connects with what it offers.
 */
describe('TLS cipher order', () => {
  let server: RunningTestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server.stop();
  });

  /** The cipher and protocol a client with `options` negotiates, after a request answered 200. */
  async function negotiated(options: ConnectionOptions): Promise<{ cipher: string; protocol: string | null }> {
    const { cert } = await testCertificate();
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port: server.server.address.port,
        servername: 'localhost',
        ca: cert,
        ...options,
      });
      let answer = '';
      let result: { cipher: string; protocol: string | null } | undefined;
      socket.once('secureConnect', () => {
        result = { cipher: socket.getCipher().standardName, protocol: socket.getProtocol() };
        socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.once('error', reject);
      socket.once('close', () => {
        if (result === undefined || !answer.startsWith('HTTP/1.1 200')) reject(new Error(`no answer: ${answer}`));
        else resolve(result);
      });
    });
  }

  it("gives a TLS 1.3 client with Node's (and OpenSSL's) default order TLS_AES_128_GCM_SHA256", async () => {
    expect(await negotiated({})).to.deep.equal({ cipher: 'TLS_AES_128_GCM_SHA256', protocol: 'TLSv1.3' });
  });

  it('connects a TLS 1.3 client that offers only TLS_AES_256_GCM_SHA384 or only ChaCha20 with that suite', async () => {
    for (const suite of ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      expect(await negotiated({ ciphers: suite })).to.deep.equal({ cipher: suite, protocol: 'TLSv1.3' });
    }
  });

  it('gives a TLS 1.3 client that lists ChaCha20 and AES-256 before AES-128 TLS_AES_128_GCM_SHA256', async () => {
    const ciphers = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256';
    expect(await negotiated({ ciphers })).to.deep.equal({ cipher: 'TLS_AES_128_GCM_SHA256', protocol: 'TLSv1.3' });
  });

  it("gives a TLS 1.2 client that lists AES-256 and ChaCha20 first Node's first choice, ECDHE AES-128-GCM", async () => {
    // The order in which an mbedTLS client (an ESP-IDF device) offers its TLS 1.2 suites.
    const ciphers =
      'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:' +
      'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256';
    const { cipher, protocol } = await negotiated({ maxVersion: 'TLSv1.2', ciphers });
    expect(protocol).to.equal('TLSv1.2');
    expect(cipher).to.match(/^TLS_ECDHE_(ECDSA|RSA)_WITH_AES_128_GCM_SHA256$/);
  });
});
