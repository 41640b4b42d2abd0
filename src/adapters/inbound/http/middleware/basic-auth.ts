import type { Context, Middleware } from 'koa';
import type { AuthFailureLimiter } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { Principal } from '../../../../app/auth/principal.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import { problem, sendProblem } from '../problem.js';
import { requestPrincipal } from '../request-principal.js';
import { mayHaveUnreadBody } from '../unread-body.js';

/** Who the authentication middleware found the request to come from. */
export function principalOf(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

/** The device a request is confined to (its own credential or certificate), if any. */
export function confinedDevice(ctx: Context): DeviceId | undefined {
  return principalOf(ctx)?.deviceId;
}

/**
 * Every route needs a credential (Basic, or a client certificate when FUOTA_TLS_CLIENT_CA is
 * set). Failures answer 403 (with the Basic challenge for people and generic clients): the
 * esp32-fuota application treats a 401 as fatal and reboots.
 */
export function basicAuth(authenticator: Authenticator, limiter: AuthFailureLimiter): Middleware {
  return async (ctx, next) => {
    const address = ctx.req.socket.remoteAddress ?? '';
    const retryAfter = limiter.retryAfter(address);
    if (retryAfter > 0) {
      ctx.set('Retry-After', String(retryAfter));
      sendProblem(ctx, problem(429, 'too-many-failed-authentications', `too many failed authentications from this address; retry in ${retryAfter} s`));
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    const outcome = await requestPrincipal(ctx.req, authenticator);
    if (outcome.kind !== 'authenticated') {
      limiter.recordFailure(address);
      ctx.set('WWW-Authenticate', 'Basic realm="fuota"');
      sendProblem(
        ctx,
        problem(403, 'unauthenticated', outcome.kind === 'missing' ? 'credentials required (HTTP Basic)' : 'wrong credentials'),
      );
      // An upload's body is not wanted: close rather than read it to reuse the connection.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    ctx.state.principal = outcome.principal;
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
      sendProblem(ctx, problem(403, 'operator-only', 'this request needs an operator credential'));
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    await next();
  };
}
