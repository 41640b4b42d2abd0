import { Socket } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';

const BODY = 'This port speaks HTTPS only: send the request to https:// instead of http://.\n';
const ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`;

/**
 * What OpenSSL calls a first record that is not TLS: an HTTP request line (`GET `, `POST `,
 * `HEAD `, `PUT `; newer OpenSSL knows more methods), a proxy's `CONNECT`, or bytes whose
 * would-be record version is no version at all (`DELETE`, `OPTIONS` for the OpenSSL of Node 20).
 * A TLS client that fails its handshake for any other reason is not answered in plain text.
 */
const NOT_TLS = new Set(['ERR_SSL_HTTP_REQUEST', 'ERR_SSL_HTTPS_PROXY_REQUEST', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/**
 * Plain HTTP sent to the HTTPS port would get a dropped connection (the TLS layer finds no
 * handshake), which tells the person with curl nothing. When the TLS layer refuses a first record
 * as plain HTTP, the connection gets a short plain-text 400 saying to use https://, as nginx does,
 * written on the TCP connection beneath the failed TLS socket before Node closes it.
 *
 * The TLS layer reads the connection itself, in C++: nothing here runs for a TLS connection, so
 * devices, which open one per check, pay nothing for this. The price: the connection is closed
 * right after the answer, so a client still sending a request body past the
 * first read (64 KiB) sees a reset after the whole 400 arrived. curl waits for an answer before
 * sending a body over 1 MiB (`Expect: 100-continue`), and a request without a body is read whole.
 */
export function answerPlainHttp(server: Server): void {
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    if (error.code === undefined || !NOT_TLS.has(error.code)) return;
    // The TCP socket Node's TLS server wrapped: undocumented, hence the checks, and a test on
    // every Node the project supports that the answer arrives.
    const tcp = (socket as TLSSocket & { _parent?: unknown })._parent;
    if (tcp instanceof Socket && !tcp.destroyed && tcp.writable) tcp.write(ANSWER);
  });
}
