import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Readable } from 'node:stream';
import { connectionFailure } from './connection-failure.js';
import { CliFailure, EXIT, exitForStatus } from './exit-codes.js';
import { sendWhenInvited } from './invited-body.js';
import { isStorageFull, storageFullFailure } from './storage-full-failure.js';

export interface ServerTarget {
  readonly url: URL;
  /** The operator's credential; asked for on the terminal, once, when not given up front. */
  readonly credential: () => Promise<{ username: string; password: string }>;
  /** PEM of the CA (or the server's own certificate) to trust; the system store otherwise. */
  readonly ca: string | undefined;
  /** The file `ca` came from, for messages. */
  readonly caFile: string | undefined;
  /** How long a request may send and receive nothing before it is given up; undefined: for ever. */
  readonly timeoutMs?: number | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A path below the server URL, each segment percent-encoded (colons in MAC addresses stay). An
 * empty segment is an argument given empty (`fuota device ''`, a path with `//`): it names
 * nothing, and is a usage error before any request (it asked the listing, or another route).
 */
export function apiPath(...segments: string[]): string {
  if (segments.some((segment) => segment === '')) {
    throw new CliFailure('an empty device id, rollout id or path segment names nothing', EXIT.usage);
  }
  return `/${segments.map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':')).join('/')}`;
}

/** Talks to a fuota server over HTTPS with Basic auth, as any client of the API would. */
export class ApiClient {
  constructor(private readonly target: ServerTarget) {}

  /**
   * Has the credential ready (asking for it now if it must be asked for), for a command that is
   * about to draw on the terminal (a progress bar) and must not have a prompt land in the middle.
   */
  async ready(): Promise<void> {
    await this.target.credential();
  }

  /**
   * Sends a request and returns the response with its body still to be read. `unhurried`: the
   * server works on it for as long as it takes before it answers (a delta patch's build waits for
   * a slot, then takes up to the server's own limit), so no inactivity timeout applies: with one,
   * the command said the server was stuck while it went on to store the patch (a review).
   */
  async open(
    method: string,
    path: string,
    options: { headers?: Record<string, string | number>; body?: Buffer | Readable; unhurried?: boolean } = {},
  ): Promise<IncomingMessage> {
    const { url, ca, caFile } = this.target;
    const timeoutMs = options.unhurried === true ? undefined : this.target.timeoutMs;
    const { username, password } = await this.target.credential();
    const headers: Record<string, string | number> = { ...options.headers };
    const body = options.body;
    // A streamed body is an upload: sent once the server has said it wants it (invited-body.ts).
    const streamed = body !== undefined && !Buffer.isBuffer(body);
    if (streamed) headers.Expect = '100-continue';
    headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const base = url.pathname.replace(/\/$/, '');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: 'https:',
          host: url.hostname,
          port: url.port || 443,
          method,
          path: `${base}${path}`,
          headers,
          ...(ca === undefined ? {} : { ca }),
          // The socket's idle timer: from before the connection is made, and while the answer's
          // body streams (a download), reset by every byte either way.
          ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
        },
        resolve,
      );
      req.on('timeout', () => {
        const failure = timedOut(url, `${base}${path}`, timeoutMs ?? 0);
        // The answer under way (a download) ends with this failure too, not as "aborted".
        (req as { res?: IncomingMessage }).res?.destroy(failure);
        req.destroy(failure);
      });
      // Once the answer has come, a failure to write the rest of the body is not what the
      // command reports: the answer is (the promise is settled by then).
      req.on('error', (error) => reject(error instanceof CliFailure ? error : connectionFailure(error, url, caFile)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else sendWhenInvited(req, body);
    });
  }

  /** Sends a request and reads the whole answer. */
  async send(method: string, path: string, options: Parameters<ApiClient['open']>[2] = {}): Promise<ApiResponse> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (error) {
      throw error instanceof CliFailure
        ? error
        : connectionFailure(error as Error, this.target.url, this.target.caFile);
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  /** Like `send`, but any status outside `expected` ends the command with the server's explanation. */
  async expect(
    expected: readonly number[],
    method: string,
    path: string,
    options: Parameters<ApiClient['send']>[2] = {},
  ): Promise<ApiResponse> {
    const res = await this.send(method, path, options);
    if (!expected.includes(res.status)) throw failureOf(res);
    return res;
  }
}

/**
 * Marks a device-route request (`check`, `download`) as an operator's probe: the server answers
 * it as the device's row says and changes nothing of the fleet (no inventory entry, no attempt,
 * no rollout offer counted).
 */
export const PROBE_HEADERS: Readonly<Record<string, string>> = { 'Fuota-Probe': '1' };

/** The failure of a request that went `ms` without a byte either way. */
function timedOut(url: URL, path: string, ms: number): CliFailure {
  return new CliFailure(
    `no answer from ${url.origin}${path}: nothing was sent or received for ${ms / 1000} s (the server is stuck, ` +
      'or the network drops packets); --timeout <seconds> or FUOTA_TIMEOUT waits longer',
    EXIT.timedOut,
  );
}

/** A response's problem document turned into the failure a command ends with. */
export function failureOf(res: ApiResponse): CliFailure {
  let problem: unknown;
  let detail = res.body.toString('utf8').trim();
  try {
    problem = JSON.parse(detail);
    const fields = problem as { detail?: unknown; title?: unknown };
    detail = String(fields.detail ?? fields.title ?? detail);
  } catch {
    // not a problem document: show the text as it is
  }
  if (isStorageFull(res.status, problem)) return storageFullFailure(detail, problem);
  return new CliFailure(
    `the server answered ${res.status}${detail === '' ? '' : `: ${detail}`}`,
    exitForStatus(res.status),
    problem,
  );
}
