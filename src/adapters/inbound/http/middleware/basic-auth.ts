import type { Context, Middleware } from 'koa';
import type { AuthFailureLimiter } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { Principal } from '../../../../app/auth/principal.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import type { Logger } from '../../../../ports/logger.port.js';
import { problem, sendProblem } from '../problem.js';
import { authenticateRequest } from '../request-authentication.js';
import type { AuthMethod } from '../request-principal.js';
import { mayHaveUnreadBody } from '../unread-body.js';

/** Who the authentication middleware found the request to come from. */
export function principalOf(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

/** The device a request is confined to (its own credential or certificate), if any. */
export function confinedDevice(ctx: Context): DeviceId | undefined {
  return principalOf(ctx)?.deviceId;
}

/** Who a request's credential named and how it fared, kept for its log line (never the secret). */
export interface RequestCredential {
  readonly user: string;
  readonly auth: AuthMethod | 'refused';
}

export function credentialOf(ctx: Context): RequestCredential | undefined {
  return ctx.state.credential as RequestCredential | undefined;
}

/**
 * Authenticates every request that reaches the operator adapter's routes (see
 * authenticateRequest, which the device adapter uses too).
 */
export function basicAuth(authenticator: Authenticator, limiter: AuthFailureLimiter, logger: Logger): Middleware {
  return async (ctx, next) => {
    const verdict = await authenticateRequest(ctx.req, authenticator, limiter, logger, String(ctx.state.requestId));
    if (verdict.kind === 'refused') {
      ctx.state.credential = { user: verdict.user, auth: 'refused' } satisfies RequestCredential;
      for (const [name, value] of verdict.headers) ctx.set(name, value);
      sendProblem(ctx, verdict.problem);
      // An upload's body is not wanted: close rather than read it to reuse the connection.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    ctx.state.principal = verdict.principal;
    ctx.state.credential = { user: verdict.user, auth: verdict.method } satisfies RequestCredential;
    await next();
  };
}

/**
 * Guards a route that only operators may use. A device credential gets 403 (it authenticated,
 * but may not do this), which the esp32-fuota application treats as a parameter error.
 */
export function operatorOnly(): Middleware {
  return async (ctx, next) => {
    if (principalOf(ctx)?.role !== 'operator') {
      sendProblem(ctx, problem('operator-only', 'this request needs an operator credential'));
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    await next();
  };
}
