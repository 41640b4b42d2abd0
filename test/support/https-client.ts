import type { Agent } from 'node:https';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** Whether the request went over a kept-alive connection of `agent` rather than a new one. */
  readonly reusedSocket: boolean;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: Buffer | string;
  readonly auth?: { username: string; password: string } | null;
  /** The local address to connect from (any 127.x.y.z is loopback): another client, to the server. */
  readonly localAddress?: string;
  /** A keep-alive agent, to send several requests over one connection (default: a new one each). */
  readonly agent?: Agent;
}

/**
 * A real HTTPS client (node:https, one new TLS connection per request as ESP32 devices do, unless
 * given a keep-alive agent) that
 * trusts exactly the test server's certificate.
 */
export class HttpsTestClient {
  constructor(
    readonly baseUrl: string,
    private readonly ca: string,
    private readonly auth: { username: string; password: string },
  ) {}

  send(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    // The path is sent exactly as given (no URL normalisation), so tests can send raw
    // traversal forms such as `a/../b` or `%2e%2e` that a URL parser would resolve away.
    const base = new URL(this.baseUrl);
    const auth = options.auth === undefined ? this.auth : options.auth;
    const headers: Record<string, string | number> = { ...options.headers };
    if (auth !== null) {
      headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    }
    if (options.body !== undefined && headers['Transfer-Encoding'] === undefined) {
      headers['Content-Length'] ??= Buffer.byteLength(options.body);
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: options.method ?? 'GET',
          headers,
          ca: this.ca,
          agent: options.agent ?? false,
          servername: 'localhost',
          ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              text: body.toString('utf8'),
              reusedSocket: req.reusedSocket,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  get(path: string, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    return this.send(path, { ...options, method: 'GET' });
  }

  put(
    path: string,
    body: Buffer | string,
    contentType: string,
    options: Omit<RequestOptions, 'method' | 'body'> = {},
  ): Promise<HttpResponse> {
    return this.send(path, {
      ...options,
      method: 'PUT',
      body,
      headers: { 'Content-Type': contentType, ...options.headers },
    });
  }

  delete(path: string, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse> {
    return this.send(path, { ...options, method: 'DELETE' });
  }
}
