import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import { holdBody } from './body-invitation.js';
import type { AddressInfo } from 'node:net';
import { answerClientError } from './client-error-answer.js';
import { refuseConnect } from './connect-refusal.js';
import type { OpenConnections } from './open-connections.js';
import { trackOpenConnections } from './open-connections.js';
import { answerPlainHttp } from './plain-http-refusal.js';
import { serverCipherList } from './tls-cipher-order.js';

export interface HttpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  /**
   * CA certificates for client certificates: when given, clients are asked for one, and a client
   * without one (an operator with curl) still connects and authenticates with Basic.
   */
  readonly clientCa?: string | undefined;
  /**
   * The key (48 bytes) that seals TLS session tickets: the same on every instance, a device
   * resumes its session on whichever one it reaches. Without it each process draws its own.
   */
  readonly ticketKeys?: Buffer | undefined;
  /** Uploads declaring more than this are refused before their body is asked for. */
  readonly maxUploadBytes: number;
  /** How long stop() lets requests in flight finish before it cuts every connection (tests shorten it). */
  readonly stopGraceMs?: number | undefined;
}

// Limits that keep one slow or idle client from holding resources others need.
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 300_000; // a whole request, so a 32 MiB upload on a slow link fits
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** The HTTP API served over HTTPS (HTTP/1.0 and 1.1, keep-alive, 100-continue). */
export class HttpsServer {
  private readonly server: Server;
  private readonly connections: OpenConnections;

  constructor(
    handle: RequestListener,
    private readonly options: HttpsServerOptions,
  ) {
    this.server = createServer(
      {
        cert: options.cert,
        key: options.key,
        minVersion: 'TLSv1.2',
        // Chosen in the server's order (Node's default for servers, said here for the reader):
        // see serverCipherList for why this one.
        ciphers: serverCipherList(),
        honorCipherOrder: true,
        ...(options.ticketKeys === undefined ? {} : { ticketKeys: options.ticketKeys }),
        ...(options.clientCa === undefined
          ? {}
          : { ca: options.clientCa, requestCert: true, rejectUnauthorized: false }),
        sessionIdContext: sessionIdContext(options.clientCa),
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        headersTimeout: HEADERS_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      handle,
    );
    this.server.setTimeout(SOCKET_IDLE_TIMEOUT_MS);
    // curl sends `Expect: 100-continue` for uploads over 1 MiB: the body is invited once the
    // request is authenticated, or for an upload once its route has checked it (body-invitation.ts),
    // and never when it is too large (the handler answers 413 without reading it).
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      const declared = Number(req.headers['content-length'] ?? '0');
      if (!(declared > options.maxUploadBytes)) holdBody(req);
      handle(req, res);
    });
    this.server.on('clientError', answerClientError);
    refuseConnect(this.server);
    // A failed handshake (a scanner, a client that does not trust the certificate) concerns
    // only that client; one that sent plain HTTP is told to use https://.
    answerPlainHttp(this.server);
    this.connections = trackOpenConnections(this.server);
  }

  async start(): Promise<AddressInfo> {
    this.server.listen(this.options.port, this.options.host);
    await once(this.server, 'listening');
    return this.address();
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /**
   * Stops accepting, lets requests in flight finish for a few seconds, then cuts the rest:
   * HTTP connections and connections still in their TLS handshake alike.
   */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = setTimeout(() => {
      this.server.closeAllConnections();
      this.connections.destroyAll();
    }, this.options.stopGraceMs ?? STOP_GRACE_MS);
    grace.unref();
    await closed;
    clearTimeout(grace);
  }
}

/**
 * The context a TLS session is resumed in: a session resumes only where the client CA is the one
 * its client certificate was verified against. Node's default (a digest of the command line) let
 * a session from before FUOTA_TLS_CLIENT_CA changed resume after it, with shared ticket keys, and
 * so carry a certificate of the old CA past the change (found by a review). The same on every
 * instance given the same CA, so that sessions still resume across instances.
 */
function sessionIdContext(clientCa: string | undefined): string {
  // At most 32 bytes: OpenSSL's SSL_MAX_SID_CTX_LENGTH.
  return createHash('sha256')
    .update(clientCa ?? 'no client CA')
    .digest('hex')
    .slice(0, 32);
}
