import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';

/** An RFC 9457 problem document; `code` is the stable machine-readable reason. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
}

/** `extra` adds extension members, such as the `reason` an image was refused for. */
export function problem(status: number, code: string, detail: string, extra: Record<string, string> = {}): Problem {
  return { type: `urn:fuota:problem:${code}`, title: STATUS_CODES[status] ?? 'Error', status, code, detail, ...extra };
}

/** Answers with a problem document (devices ignore the body; people with curl read it). */
export function sendProblem(ctx: Context, body: Problem): void {
  ctx.status = body.status;
  ctx.set('Content-Type', 'application/problem+json');
  ctx.body = Buffer.from(JSON.stringify(body));
}
