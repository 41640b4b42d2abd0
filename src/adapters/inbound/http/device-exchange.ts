import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FinishedRequests } from './finished-request.js';
import { CLIENT_CLOSED_REQUEST } from './finished-request.js';
import type { HeaderList } from './header-list.js';
import { flatHeaders } from './header-list.js';
import type { Problem } from './problem.js';
import { PROBLEM_TYPE, problemBody, problemHeaders } from './problem.js';
import type { DeviceTarget } from './request-dispatcher.js';
import { requestIdFor } from './request-id.js';
import { mayHaveUnreadBody } from './unread-body.js';

/**
 * One request the device adapter answers: its id, who sent it, and the one way its answer is
 * written (whole, as a problem, or streamed), with Node's response itself, no framework between.
 */
export class DeviceExchange {
  readonly started = performance.now();
  readonly requestId: string;
  /** Who the credential named and how it fared, for the log line (never the secret). */
  credential: { readonly user: string; readonly auth: string } | undefined;
  private bodyBytes: () => number = () => 0;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly target: DeviceTarget,
  ) {
    this.requestId = requestIdFor(req.headers['x-request-id']);
  }

  /** Whether the client went away: nothing is sent then, and the request is logged as aborted. */
  get gone(): boolean {
    return this.res.destroyed;
  }

  /** A whole answer; for HEAD, Node sends its headers only. */
  answer(status: number, headers: HeaderList, body?: string | Buffer, bodyBytes = 0): void {
    if (this.gone) return;
    this.res.writeHead(status, flatHeaders(headers, this.requestId));
    this.res.end(body);
    this.bodyBytes = () => bodyBytes;
  }

  /** A problem document with its status; `headers` adds Retry-After, a challenge, a Content-Range. */
  problem(problem: Problem, headers: HeaderList = []): void {
    const body = problemBody(problem);
    const all: Array<readonly [string, string]> = [
      ...headers,
      ...problemHeaders(problem),
      ['Content-Type', PROBLEM_TYPE],
      ['Content-Length', String(body.length)],
    ];
    // The rest of a body sent with a GET may still be on its way: close instead of reading it.
    if (mayHaveUnreadBody(this.req)) all.push(['Connection', 'close']);
    this.answer(problem.status, all, body, body.length);
  }

  /** Sends the status line and headers of an answer whose body the caller streams; `sent` counts it. */
  beginStream(status: number, headers: HeaderList, sent: () => number): void {
    this.res.writeHead(status, flatHeaders(headers, this.requestId));
    this.bodyBytes = sent;
  }

  /**
   * Records the request (log line and metrics, see FinishedRequests) once: 'close' comes after
   * the answer is done or instead of it (the client went away).
   */
  recordWhenClosed(finished: FinishedRequests): void {
    // Read now: the socket is detached once the answer is done.
    const remote = this.req.socket.remoteAddress;
    this.res.once('close', () =>
      finished.record({
        method: this.req.method ?? 'GET',
        path: this.target.path,
        route: this.target.route.route,
        status: this.res.headersSent ? this.res.statusCode : CLIENT_CLOSED_REQUEST,
        bytes: this.req.method === 'HEAD' ? 0 : this.bodyBytes(),
        ms: performance.now() - this.started,
        remote,
        requestId: this.requestId,
        user: this.credential?.user,
        auth: this.credential?.auth,
        aborted: !this.res.writableFinished,
      }),
    );
  }
}
