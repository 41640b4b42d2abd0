import { request } from 'node:https';

/** The credential and the certificate an OperatorClient uses. */
export interface OperatorAccess {
  readonly url: string;
  /** PEM of the server's certificate: the only one trusted. */
  readonly ca: string;
  readonly username: string;
  readonly password: string;
}

/** A request the server refused: its status and its problem's explanation. */
export class OperatorRequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    detail: string,
  ) {
    super(`${what}: the server answered ${status}${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'OperatorRequestRefused';
  }
}

/** Each segment percent-encoded; colons (MAC addresses) stay as they are. */
const encoded = (path: string) =>
  path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':'))
    .join('/');

/** One field of the seed's CSV record: always quoted, quotes doubled. */
const field = (value: string) => `"${value.replaceAll('"', '""')}"`;

/**
 * The seed's two operator requests (upload a file, set a device's row), sent over HTTPS to an
 * ephemeral server as any operator sends them: so a preloaded or test-made file and row go
 * through the same routes, validation, audit records and fleet notices as a curl command's.
 * The chain is checked against the server's own certificate; the name is not, since a
 * configured certificate (FUOTA_TLS_CERT) need not name the loopback address this client uses.
 */
export class OperatorClient {
  constructor(private readonly access: OperatorAccess) {}

  /** `PUT /files/<path>`: stores `bytes` (validated as an ESP-IDF image unless configured otherwise). */
  async upload(path: string, bytes: Uint8Array): Promise<void> {
    await this.send('PUT', `/files/${encoded(path)}`, 'application/octet-stream', bytes, `upload ${path}`);
  }

  /** `PUT /devices/<id>`: a device running `version` is offered the file at `path`. */
  async assign(deviceId: string, version: string, path: string): Promise<void> {
    const record = `${field(deviceId)},${field(version)},${field(path)}`;
    await this.send('PUT', `/devices/${encoded(deviceId)}`, 'text/csv', Buffer.from(record), `assign ${deviceId}`);
  }

  private send(method: string, path: string, type: string, body: Uint8Array, what: string): Promise<void> {
    const url = new URL(this.access.url);
    const credential = Buffer.from(`${this.access.username}:${this.access.password}`).toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port,
          method,
          path,
          ca: this.access.ca,
          checkServerIdentity: () => undefined,
          agent: false,
          headers: {
            Authorization: `Basic ${credential}`,
            'Content-Type': type,
            'Content-Length': body.byteLength,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status === 200) resolve();
            else reject(new OperatorRequestRefused(status, what, explanation(Buffer.concat(chunks).toString('utf8'))));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The problem document's detail (or title), or the body as it is when it is not one. */
function explanation(body: string): string {
  try {
    const problem = JSON.parse(body) as { detail?: unknown; title?: unknown };
    return String(problem.detail ?? problem.title ?? body);
  } catch {
    return body.trim();
  }
}
