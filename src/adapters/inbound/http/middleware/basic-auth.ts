import type { Middleware } from 'koa';
import type { AuthFailureLimiter } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { Role } from '../../../../app/auth/role.js';
import { problem, sendProblem } from '../problem.js';
import { mayHaveUnreadBody } from '../unread-body.js';

/** `user:password` from an `Authorization: Basic ...` header, or undefined when it is not one. */
export function parseBasicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Every route needs the server's credential. Failures answer 403 (with the Basic challenge for
 * people and generic clients): the esp32-fuota application treats a 401 as fatal and reboots.
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
    const offered = parseBasicCredentials(ctx.get('Authorization'));
    const role = offered === undefined ? undefined : await authenticator.authenticate(offered.username, offered.password);
    if (role === undefined) {
      limiter.recordFailure(address);
      ctx.set('WWW-Authenticate', 'Basic realm="fuota"');
      sendProblem(
        ctx,
        problem(403, 'unauthenticated', offered === undefined ? 'credentials required (HTTP Basic)' : 'wrong credentials'),
      );
      // An upload's body is not wanted: close rather than read it to reuse the connection.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    ctx.state.role = role;
    await next();
  };
}

/**
 * Guards a route that only operators may use. A device credential gets 403 (it authenticated,
 * but may not do this), which the esp32-fuota application treats as a parameter error.
 */
export function operatorOnly(): Middleware {
  return async (ctx, next) => {
    if ((ctx.state.role as Role | undefined) !== 'operator') {
      sendProblem(ctx, problem(403, 'operator-only', 'this request needs an operator credential'));
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    await next();
  };
}

