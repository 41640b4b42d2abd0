import { connect, createSecureContext } from 'node:tls';
import type { SecureContext, SecureVersion } from 'node:tls';

/** Where the checks go: fuota's port, its certificate to trust, and the credential to send. */
export interface CheckTarget {
  readonly port: number;
  readonly ca: string;
  readonly authorization: string;
}

/**
 * One TLS context per CA for every connection: `tls.connect({ ca })` parses the PEM and builds a
 * context on each connection, which tripled the load generator's CPU per check.
 */
const contexts = new Map<string, SecureContext>();
const contextFor = (ca: string) => {
  let context = contexts.get(ca);
  if (context === undefined) contexts.set(ca, (context = createSecureContext({ ca })));
  return context;
};

export interface TlsCheckOptions {
  readonly path: string;
  /** The highest TLS version offered, as an ESP-IDF build's mbedTLS does (2.x: 1.2; 3.x: 1.3). */
  readonly maxVersion: SecureVersion;
  /** A session from an earlier connection, offered for resumption (esp-tls client session tickets). */
  readonly session?: Buffer | undefined;
  readonly timeoutMs: number;
}

export interface TlsCheckAnswer {
  readonly status: number;
  /** Whether the server resumed the session offered. */
  readonly resumed: boolean;
  /** The session (ticket) the server gave on this connection, for the next one. */
  readonly session: Buffer | undefined;
}

/**
 * One update check as an ESP32 makes it: a new TLS connection, one `GET` with `Connection:
 * close`, the answer's head read, the connection closed. Raw TLS rather than node:https keeps the
 * load generator's own CPU per check low (no agent, no HTTP client machinery), so that it is not
 * the bottleneck. Bodies are not read: the checks measured are answered 204 (no update).
 */
export function tlsCheck(target: CheckTarget, options: TlsCheckOptions): Promise<TlsCheckAnswer> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let head = '';
    let settled = false;
    const socket = connect({
      host: '127.0.0.1',
      port: target.port,
      secureContext: contextFor(target.ca),
      servername: 'localhost',
      maxVersion: options.maxVersion,
      minVersion: 'TLSv1.2',
      ...(options.session === undefined ? {} : { session: options.session }),
    });
    const settle = (error: Error | undefined, status = 0) => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      if (error !== undefined) {
        socket.destroy();
        reject(error);
        return;
      }
      resolve({ status, resumed: socket.isSessionReused(), session });
      // close_notify, as esp_tls_conn_destroy sends it; the answer is already measured.
      socket.end();
    };
    // Nagle's algorithm held the request back behind the handshake's last flight until the
    // server's delayed ACK (tens of ms): latency of the load generator's making, not the server's.
    socket.setNoDelay(true);
    socket.setTimeout(options.timeoutMs, () => settle(new Error(`no answer in ${options.timeoutMs} ms`)));
    socket.on('session', (ticket: Buffer) => (session = ticket));
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${target.authorization}\r\n` +
          'User-Agent: ESP32 HTTP Client/1.0\r\nConnection: close\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) settle(undefined, Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0));
    });
    socket.on('end', () => settle(new Error('connection closed before an answer')));
    socket.on('error', (error) => settle(error));
  });
}
