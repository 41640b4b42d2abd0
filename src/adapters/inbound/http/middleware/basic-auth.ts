import type { Context, Middleware } from 'koa';
import type { AuthFailureLimiter, AuthRefusal } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { Principal } from '../../../../app/auth/principal.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import type { Logger } from '../../../../ports/logger.port.js';
import { problem, sendProblem } from '../problem.js';
import type { AuthMethod, PrincipalOutcome } from '../request-principal.js';
import { offeredUser, requestPrincipal } from '../request-principal.js';
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

function refusalText(refusal: AuthRefusal): string {
  const who = refusal.scope === 'address' ? 'from this address' : 'for this user name from this address';
  return `too many failed authentications ${who}; retry in ${refusal.retryAfter} s`;
}

/**
 * Every route needs a credential (Basic, or a client certificate when FUOTA_TLS_CLIENT_CA is
 * set). Failures answer 403 (with the Basic challenge for people and generic clients): the
 * esp32-fuota application treats a 401 as fatal and reboots. A refused client certificate says
 * why, in the answer and in a warning, since its owner cannot otherwise tell.
 */
export function basicAuth(authenticator: Authenticator, limiter: AuthFailureLimiter, logger: Logger): Middleware {
  return async (ctx, next) => {
    const address = ctx.req.socket.remoteAddress ?? '';
    const refusal = limiter.refusal(address, () => offeredUser(ctx.req));
    if (refusal !== undefined) {
      ctx.state.credential = { user: offeredUser(ctx.req), auth: 'refused' } satisfies RequestCredential;
      ctx.set('Retry-After', String(refusal.retryAfter));
      sendProblem(ctx, problem('too-many-failed-authentications', refusalText(refusal)));
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    const outcome = await requestPrincipal(ctx.req, authenticator);
    if (outcome.kind !== 'authenticated') {
      const user = offeredUser(ctx.req);
      limiter.recordFailure(address, user);
      ctx.state.credential = { user, auth: 'refused' } satisfies RequestCredential;
      ctx.set('WWW-Authenticate', 'Basic realm="fuota"');
      sendProblem(ctx, problem('unauthenticated', failureText(outcome)));
      if (outcome.kind === 'certificate-refused') {
        logger.warn('client certificate refused', { reason: outcome.reason, cn: outcome.commonName, remote: address, reqId: ctx.state.requestId });
      }
      // An upload's body is not wanted: close rather than read it to reuse the connection.
      if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
      return;
    }
    ctx.state.principal = outcome.principal;
    ctx.state.credential = { user: outcome.user, auth: outcome.method } satisfies RequestCredential;
    await next();
  };
}

function failureText(outcome: Exclude<PrincipalOutcome, { kind: 'authenticated' }>): string {
  switch (outcome.kind) {
    case 'missing':
      return 'credentials required (HTTP Basic)';
    case 'wrong':
      return 'wrong credentials';
    case 'certificate-refused':
      return `${outcome.reason}; the request needs HTTP Basic credentials or a valid client certificate`;
  }
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
