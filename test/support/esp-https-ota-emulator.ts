import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Replays what ESP-IDF's esp_https_ota sends (components/esp_https_ota, esp_http_client): one new
 * TLS connection per request, Basic auth sent up front, the ESP32 User-Agent, and it looks only at
 * the status class where the real client does.
 */
export class EspHttpsOtaEmulator {
  constructor(
    private readonly port: number,
    private readonly ca: string,
    private readonly auth: { username: string; password: string },
    /** The loopback address to connect from (any 127.x.y.z): one device's own address, to the server. */
    private readonly localAddress?: string,
  ) {}

  /**
   * The esp32-fuota application's check: `GET /devices/<id>?app_ver=<version>`, unescaped. On 200
   * the body is the update path, read only when Content-Length is given and at most 255.
   */
  async check(deviceId: string, appVersion: string): Promise<{ status: number; path: string | undefined }> {
    const res = await this.exchange('GET', `/devices/${deviceId}?app_ver=${appVersion}`, {});
    if (res.status !== 200) return { status: res.status, path: undefined };
    const length = Number(res.headers['content-length']);
    if (!Number.isInteger(length) || length > 255) throw new Error(`unusable check answer of ${length} bytes`);
    return { status: 200, path: res.body.subarray(0, length).toString('latin1') };
  }

  /** One request as the OTA client sends it (HEAD, a Range chunk, a resumed tail), its body read whole. */
  request(
    method: 'GET' | 'HEAD',
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return this.exchange(method, path, headers);
  }

  /** A normal GET whose connection dies once `cutAt` bytes of the body have arrived: those bytes. */
  cut(path: string, cutAt: number): Promise<Buffer> {
    return this.cutDownload(path, cutAt);
  }

  /** Normal mode: one GET; the image is the body. */
  async normal(path: string): Promise<Buffer> {
    const res = await this.exchange('GET', path, {});
    expect2xx(res.status, 'GET');
    return res.body;
  }

  /**
   * Partial-download mode: HEAD for Content-Length, then `Range: bytes=<start>-<end>` chunks of
   * `chunkSize`; when the rest fits, `<end>` is the image length (one past the last byte), as
   * esp_https_ota computes it. Only 2xx is checked, and each body is written at its offset.
   */
  async partial(path: string, chunkSize: number): Promise<{ image: Buffer; requests: number }> {
    const head = await this.exchange('HEAD', path, {});
    expect2xx(head.status, 'HEAD');
    const length = Number(head.headers['content-length']);
    if (!Number.isInteger(length)) throw new Error('HEAD answered without Content-Length');
    return this.ranges(path, length, chunkSize, 1);
  }

  /** IDF >= 6.0 without HEAD: `Range: bytes=0-0`, the size from `Content-Range: bytes 0-0/N`. */
  async idf6Partial(path: string, chunkSize: number): Promise<{ image: Buffer; requests: number }> {
    const probe = await this.exchange('GET', path, { Range: 'bytes=0-0' });
    if (probe.status !== 206) throw new Error(`bytes=0-0 answered ${probe.status}, not 206`);
    const match = /^bytes 0-0\/(\d+)$/.exec(String(probe.headers['content-range']));
    if (match?.[1] === undefined) throw new Error(`unusable Content-Range: ${String(probe.headers['content-range'])}`);
    return this.ranges(path, Number(match[1]), chunkSize, 1);
  }

  /**
   * Resumption (IDF >= 5.5): a download cut after `cutAt` bytes (the connection dies), then
   * `Range: bytes=<cutAt>-` for the rest, which must come as 206.
   */
  async resume(path: string, cutAt: number): Promise<Buffer> {
    const head = await this.cutDownload(path, cutAt);
    const rest = await this.exchange('GET', path, { Range: `bytes=${head.length}-` });
    if (rest.status !== 206) throw new Error(`resumption answered ${rest.status}, not 206`);
    return Buffer.concat([head, rest.body]);
  }

  private async ranges(
    path: string,
    length: number,
    chunkSize: number,
    requestsSoFar: number,
  ): Promise<{ image: Buffer; requests: number }> {
    const image = Buffer.alloc(length);
    let requests = requestsSoFar;
    for (let start = 0; start < length;) {
      let end = start + chunkSize - 1;
      if (end >= length) end = length; // esp_https_ota: the last chunk's end is the image length
      const res = await this.exchange('GET', path, { Range: `bytes=${start}-${end}` });
      requests += 1;
      expect2xx(res.status, `bytes=${start}-${end}`);
      res.body.copy(image, start); // the real client writes at its offset, whatever came back
      start += res.body.length;
      if (res.body.length === 0) throw new Error('empty range body');
    }
    return { image, requests };
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return {
      'User-Agent': 'ESP32 HTTP Client/1.0',
      Authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`,
      Connection: 'close',
      ...extra,
    };
  }

  private exchange(
    method: string,
    path: string,
    extra: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method,
          headers: this.headers(extra),
          ca: this.ca,
          servername: 'localhost',
          agent: false,
          ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Reads a normal GET until `cutAt` bytes have arrived, then kills the connection. */
  private cutDownload(path: string, cutAt: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: 'GET',
          headers: this.headers({}),
          ca: this.ca,
          servername: 'localhost',
          agent: false,
          ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            if (received >= cutAt) return;
            const keep = chunk.subarray(0, cutAt - received);
            chunks.push(keep);
            received += keep.length;
            if (received >= cutAt) {
              req.destroy();
              resolve(Buffer.concat(chunks));
            }
          });
          res.on('error', () => {});
          // A body shorter than `cutAt` arrives whole.
          res.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end();
    });
  }
}

function expect2xx(status: number, what: string): void {
  if (status < 200 || status > 299) throw new Error(`${what} answered ${status}`);
}
