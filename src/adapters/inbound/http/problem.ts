import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import type { ErrorCode } from '../../../domain/domain-error.js';
import { clippedText } from '../../../domain/unicode-text.js';
import { ERROR_STATUS } from './error-status.js';
import type { HeaderList } from './header-list.js';

/** An RFC 9457 problem document; `code` is the stable machine-readable reason. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
}

/**
 * The problem for `code`, with the status the table gives it. `extra` adds extension members,
 * such as the `reason` an image was refused for.
 */
export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return problemWithStatus(ERROR_STATUS[code], code, detail, extra);
}

/**
 * A 4xx that Koa or its middleware raised (bad JSON, a body over a parser's limit): code
 * `bad-request`, with the status it was raised with.
 */
export function httpErrorProblem(status: number, detail: string): Problem {
  return problemWithStatus(status, 'bad-request', detail, {});
}

function problemWithStatus(status: number, code: ErrorCode, detail: string, extra: Record<string, unknown>): Problem {
  return {
    type: `urn:fuota:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail: clippedSaying(detail, MAX_DETAIL),
    ...extra,
  };
}

/** A problem's detail at most, in characters: it may quote what the client sent, which may be huge. */
const MAX_DETAIL = 2000;

/** `text` cut to `max` characters, saying how many more there were (see clippedText). */
export function clippedSaying(text: string, max: number): string {
  // A detail or a problem's message quotes the value it refuses (a tag, an id): a 100 KB tag made
  // a 200 KB answer, quoted in both (found by a new user).
  return clippedText(text, max, (cut) => `… (${cut} more characters)`);
}

/** The content type of a problem document. */
export const PROBLEM_TYPE = 'application/problem+json';

/** A problem document's bytes, as both adapters send them. */
export function problemBody(body: Problem): Buffer {
  return Buffer.from(JSON.stringify(body));
}

/**
 * How long a client should wait before asking again when the storage is unreachable (503): long
 * enough for a database failover or restart to be noticed, short against a device's poll interval.
 */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** Headers every answer with this problem carries, whichever adapter sends it. */
export function problemHeaders(body: Problem): HeaderList {
  return body.status === 503 ? [['Retry-After', String(STORAGE_RETRY_AFTER_SECONDS)]] : [];
}

/** Answers with a problem document (devices ignore the body; people with curl read it). */
export function sendProblem(ctx: Context, body: Problem): void {
  ctx.status = body.status;
  for (const [name, value] of problemHeaders(body)) ctx.set(name, value);
  ctx.set('Content-Type', PROBLEM_TYPE);
  ctx.body = problemBody(body);
}
