import type { Context, Middleware } from 'koa';
import type { AuthFailureLimiter } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { OperatorSession, OperatorSessions } from '../../../../app/auth/operator-sessions.js';
import type { Principal } from '../../../../app/auth/principal.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import type { Logger } from '../../../../ports/logger.port.js';
import { problem, sendProblem } from '../problem.js';
import { authenticateRequest } from '../request-authentication.js';
import type { AuthMethod } from '../request-principal.js';
import { sessionTokensOf } from '../session-cookie.js';
import { mayHaveUnreadBody } from '../unread-body.js';
import { inviteBody, invitesOwnBody } from '../body-invitation.js';

/** The dashboard's sign-in, which authenticates by the credential in its body. */
export const SIGN_IN_PATH = '/api/v1/session';

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

/** The dashboard session that authenticated a request, as the routes see it. */
export interface RequestSession {
  readonly token: string;
  readonly session: OperatorSession;
  /**
   * Whether the session still lives (not signed out here or on another server, not expired): a
   * long answer asks again. Rejects when the session store cannot be reached.
   */
  alive(): Promise<boolean>;
}

/** The dashboard session that authenticated the request, when its cookie did. */
export function sessionOf(ctx: Context): RequestSession | undefined {
  return ctx.state.session as RequestSession | undefined;
}

/**
 * Whether the request is the dashboard asking for its session with nothing that could
 * authenticate it (a page opened before signing in): answered 404 without counting a failure.
 */
function asksForNoSession(ctx: Context): boolean {
  return (
    ctx.method === 'GET' &&
    ctx.path === SIGN_IN_PATH &&
    ctx.req.headers.authorization === undefined &&
    sessionTokensOf(ctx.req).length === 0
  );
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates every request that reaches the operator adapter's routes (see
 * authenticateRequest, which the device adapter uses too), but the dashboard's sign-in, which
 * checks the credential in its body itself, and its session asked for without any credential. A request that a session cookie authenticated may
 * change something only with the session's CSRF token in `X-CSRF-Token`: a page of another site
 * can make the browser send the cookie (were SameSite not honoured) but cannot read the token.
 */
export function basicAuth(
  authenticator: Authenticator,
  limiter: AuthFailureLimiter,
  logger: Logger,
  sessions?: OperatorSessions,
): Middleware {
  return async (ctx, next) => {
    if ((ctx.method === 'POST' && ctx.path === SIGN_IN_PATH) || asksForNoSession(ctx)) {
      // The sign-in's credential is in its body.
      inviteBody(ctx.req, ctx.res);
      return next();
    }
    const verdict = await authenticateRequest(
      ctx.req,
      authenticator,
      limiter,
      logger,
      String(ctx.state.requestId),
      sessions,
    );
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
    if (verdict.session !== undefined && verdict.sessionToken !== undefined && sessions !== undefined) {
      const token = verdict.sessionToken;
      ctx.state.session = {
        token,
        session: verdict.session,
        alive: async () => (await sessions.find(token)) !== undefined,
      } satisfies RequestSession;
      if (
        !SAFE_METHODS.has(ctx.method) &&
        !sessions.csrfMatches(verdict.session, ctx.get('X-CSRF-Token') || undefined)
      ) {
        sendProblem(
          ctx,
          problem(
            'csrf-token-mismatch',
            "a change made with the dashboard's session needs the session's token in the X-CSRF-Token header",
          ),
        );
        if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
        return;
      }
    }
    // Only an operator sends a body any route takes (a device's is refused by operatorOnly).
    if (verdict.principal.role === 'operator' && !invitesOwnBody(ctx.method, ctx.path)) inviteBody(ctx.req, ctx.res);
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
