import type { Context } from 'koa';
import { koaBody } from 'koa-body';
import { DomainError } from '../../../domain/domain-error.js';
import { TransportError } from './transport-error.js';

/** The largest JSON body a route takes. */
export const JSON_BODY_LIMIT = '2mb';

const jsonBody = koaBody({ json: true, text: false, urlencoded: false, multipart: false, jsonLimit: JSON_BODY_LIMIT });

/**
 * The parsed JSON body of a request, or a problem that says what is wrong: 415
 * unsupported-media-type for any other Content-Type (or none); 413 for a body over 2 MB; 400
 * invalid-request for an empty body or bytes that are not JSON. Every JSON route reads its body
 * here (the fleet's and the rollouts').
 */
export async function jsonBodyOf(ctx: Context): Promise<unknown> {
  // Koa's is() says null of a request with no body at all (no Content-Length or a zero one):
  // declared JSON, that is an empty body, not another type.
  const json = ctx.is('application/json');
  if (json === null && ctx.request.type.toLowerCase() === 'application/json') {
    throw new DomainError('invalid-request', 'the body is empty: send a JSON object');
  }
  if (!json) {
    throw new TransportError('unsupported-media-type', 'send a JSON body with Content-Type: application/json');
  }
  if (ctx.request.length === 0) throw new DomainError('invalid-request', 'the body is empty: send a JSON object');
  try {
    await jsonBody(ctx, async () => {});
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 413) throw new DomainError('payload-too-large', `a request body is at most ${JSON_BODY_LIMIT}`);
    // The parser takes objects and arrays only: a bare value (null, 1, "x") is valid JSON but no body.
    if (/only supports object and array/.test((error as Error).message))
      throw new DomainError('invalid-request', 'the body must be a JSON object, not a bare value');
    throw new DomainError('invalid-request', `the body is not valid JSON: ${(error as Error).message}`);
  }
  return ctx.request.body;
}
