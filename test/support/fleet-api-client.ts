import { expect } from 'chai';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import type { HttpResponse, RequestOptions } from './https-client.js';
import type { RunningTestServer } from './test-server.js';
import { TEST_CREDENTIAL, testCertificate } from './test-server.js';

/**
 * Kept-alive sockets idle this long are closed by the client: well before the server closes them
 * (its keep-alive timeout is 5 s), so a request never goes out on a socket the server is closing
 * (which a loaded machine answers with ECONNRESET).
 */
const IDLE_SOCKET_MS = 2_000;

/** The fleet API's JSON answers, as the tests read them. */
export interface DeviceJson {
  readonly id: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly runningVersion: string;
  readonly image: { readonly project: string; readonly chip: string; readonly secureVersion: number } | null;
  readonly address: string;
  readonly auth: string;
  readonly polls: number;
  readonly pollIntervalSeconds: number | null;
  readonly overdue: boolean;
  readonly unassigned: boolean;
  readonly tags: string[];
  readonly hold: boolean;
  readonly note: string;
  readonly attempt: AttemptJson | null;
}

export interface AttemptJson {
  readonly id: string;
  readonly state: string;
  readonly file: string;
  readonly version: string | null;
  readonly offeredAt: string;
  readonly updatedAt: string;
  readonly attribution: string | null;
}

export interface EventJson {
  readonly seq: number;
  readonly at: string;
  readonly device: string;
  readonly type: string;
  readonly [fact: string]: unknown;
}

export interface DeviceDetailJson extends DeviceJson {
  readonly assignment: { readonly appVersion: string; readonly file: string } | null;
  readonly attempts: AttemptJson[];
  readonly events: EventJson[];
}

export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function jsonOf<T>(res: HttpResponse): T {
  return JSON.parse(res.text) as T;
}

/** Asserts a problem answer with its status and code, and returns it. */
export function expectProblem(res: HttpResponse, status: number, code: string, what = ''): Problem {
  expect(res.status, `${what} ${res.text}`).to.equal(status);
  expect(res.headers['content-type']).to.equal('application/problem+json');
  const problem = jsonOf<Problem>(res);
  expect(problem, res.text).to.include({ status, code });
  expect(problem.detail).to.be.a('string').and.not.equal('');
  return problem;
}

/** Requests against one test server, with JSON bodies and keep-alive polls. */
export class FleetApi {
  /** Kept-alive connections for polls, so that thousands of devices poll quickly. */
  readonly agent = new Agent({ keepAlive: true, maxSockets: 8, timeout: IDLE_SOCKET_MS });

  constructor(readonly t: RunningTestServer) {}

  /** A device's check (`GET /devices/<id>?app_ver=`) over a kept-alive connection. */
  async poll(id: string, version: string, options: Omit<RequestOptions, 'agent'> = {}): Promise<HttpResponse> {
    const res = await this.t.client.get(`/devices/${id}?app_ver=${encodeURIComponent(version)}`, {
      ...options,
      agent: this.agent,
    });
    expect(res.status, `${id} ${res.text}`).to.be.oneOf([200, 204, 404]);
    return res;
  }

  /** Many devices polling, a few at a time. */
  async pollAll(ids: readonly string[], version: (id: string) => string): Promise<void> {
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(ids.slice(i, i + 32).map((id) => this.poll(id, version(id))));
    }
  }

  get(path: string, options: Omit<RequestOptions, 'agent'> = {}): Promise<HttpResponse> {
    return this.t.client.get(path, options);
  }

  async getJson<T>(path: string): Promise<T> {
    const res = await this.t.client.get(path);
    expect(res.status, `${path}: ${res.text}`).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    return jsonOf<T>(res);
  }

  send(
    method: string,
    path: string,
    body: unknown,
    options: Omit<RequestOptions, 'method' | 'body'> & { contentType?: string } = {},
  ): Promise<HttpResponse> {
    const { contentType = 'application/json', ...rest } = options;
    return this.t.client.send(path, {
      ...rest,
      method,
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      headers: { 'Content-Type': contentType, ...rest.headers },
    });
  }

  patch(id: string, body: unknown, options: Omit<RequestOptions, 'method' | 'body'> & { contentType?: string } = {}) {
    return this.send('PATCH', `/api/v1/devices/${id}`, body, options);
  }

  tag(body: unknown): Promise<HttpResponse> {
    return this.send('POST', '/api/v1/devices/tags', body);
  }

  /** Every device of the listing with this query, page by page (`limit` per page). */
  async listAll(query: string, limit = 1000): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', String(limit));
      if (cursor !== null) params.set('cursor', cursor);
      const page: { items: DeviceJson[]; next: string | null } = await this.getJson(`/api/v1/devices?${params}`);
      expect(page.items.length).to.be.at.most(limit);
      ids.push(...page.items.map((device) => device.id));
      cursor = page.next;
      pages += 1;
      expect(pages, 'paging does not end').to.be.below(10_000);
    } while (cursor !== null);
    return { ids, pages };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One Server-Sent Event as received. */
export interface ReceivedEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: EventJson;
}

/** An open `GET /api/v1/events/stream`, parsing the events as they come. */
export interface EventStreamClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: ReceivedEvent[];
  /** Everything received, comments included. */
  readonly raw: () => string;
  /** Settles when the server ends the response: 'end' (cleanly), or 'aborted' (cut). */
  readonly ended: Promise<'end' | 'aborted'>;
  close(): void;
}

export async function openEventStream(
  t: RunningTestServer,
  path: string,
  headers: Record<string, string> = {},
): Promise<EventStreamClient> {
  const ca = (await testCertificate()).cert;
  const base = new URL(t.client.baseUrl);
  const auth = `Basic ${Buffer.from(`${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        headers: { Authorization: auth, Accept: 'text/event-stream', ...headers },
        agent: false,
        servername: 'localhost',
        ca,
      },
      (res) => {
        const events: ReceivedEvent[] = [];
        let text = '';
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          pending += chunk;
          let end: number;
          while ((end = pending.indexOf('\n\n')) >= 0) {
            const block = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const fields = new Map<string, string>();
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || line === '') continue;
              const colon = line.indexOf(':');
              fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
            }
            const data = fields.get('data');
            if (data !== undefined)
              events.push({ id: fields.get('id'), event: fields.get('event'), data: JSON.parse(data) as EventJson });
          }
        });
        const ended = new Promise<'end' | 'aborted'>((settle) => {
          res.once('end', () => settle('end'));
          res.once('aborted', () => settle('aborted'));
          res.once('error', () => settle('aborted'));
        });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          raw: () => text,
          ended,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
