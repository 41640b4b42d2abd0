import type Router from '@koa/router';
import type { z } from 'zod';
import type { Context } from 'koa';
import type { AuthFailureLimiter } from '../../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../../app/auth/authenticator.js';
import type { OperatorSession, OperatorSessions } from '../../../../app/auth/operator-sessions.js';
import type { AuditTrail } from '../../../../app/audit/audit-trail.js';
import type { Logger } from '../../../../ports/logger.port.js';
import { auditSource } from '../audit-source.js';
import { validated } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import type { RequestCredential } from '../middleware/basic-auth.js';
import { SIGN_IN_PATH, sessionOf } from '../middleware/basic-auth.js';
import { claimedUser } from '../request-principal.js';
import { problem, sendProblem } from '../problem.js';
import { clearedSessionCookie, sessionCookie, sessionTokensOf } from '../session-cookie.js';
import type { sessionSchema } from '../session-schemas.js';
import { signInSchema } from '../session-schemas.js';

/** What the dashboard's sign-in needs besides the routes' use cases. */
export interface SignInDependencies {
  readonly sessions: OperatorSessions;
  readonly authenticator: Authenticator;
  readonly limiter: AuthFailureLimiter;
  readonly logger: Logger;
  readonly audit: AuditTrail;
}

/**
 * The pair as Basic auth would carry it (split at the first colon): a user name typed as
 * `lamp-7:<secret>` is then judged, counted and logged as the Basic header's would be.
 */
function asBasicPair(username: string, password: string): { username: string; password: string } {
  const joined = `${username}:${password}`;
  const colon = joined.indexOf(':');
  return { username: joined.slice(0, colon), password: joined.slice(colon + 1) };
}

/** A session as the page sees it: who, the token to echo, when it ends (never the cookie's token). */
export function sessionView(session: OperatorSession): z.input<typeof sessionSchema> {
  return {
    username: session.username,
    csrfToken: session.csrfToken,
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}

function answerSession(ctx: Context, session: OperatorSession): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = sessionView(session);
}

/**
 * The dashboard's session: sign in with an operator credential (POST, which the authentication
 * middleware lets through: it checks the credential in the body here, counting failures as
 * Basic failures are counted), see it (GET), sign out (DELETE).
 */
export function sessionRoutes(router: Router, deps: SignInDependencies): void {
  router.post(SIGN_IN_PATH, async (ctx) => {
    const address = ctx.req.socket.remoteAddress ?? '';
    const body = validated(signInSchema, await jsonBodyOf(ctx), 'invalid-request');
    const refusal = deps.limiter.refusal(address, () => claimedUser(asBasicPair(body.username, body.password)));
    if (refusal !== undefined) {
      ctx.set('Retry-After', String(refusal.retryAfter));
      sendProblem(
        ctx,
        problem('too-many-failed-authentications', `too many failed authentications; retry in ${refusal.retryAfter} s`),
      );
      return;
    }
    const principal = await deps.authenticator.authenticate(body.username, body.password);
    // Logged as Basic logs it: whom the pair claims to be, never a piece of a password typed
    // into the user name field (`lamp-7:<secret>`, as device credentials are written).
    const user = claimedUser(asBasicPair(body.username, body.password));
    const auth =
      principal === undefined ? 'refused' : principal.deviceId === undefined ? 'credential' : 'device-credential';
    ctx.state.credential = { user, auth } satisfies RequestCredential;
    if (principal === undefined) {
      deps.limiter.recordFailure(address, user);
      sendProblem(ctx, problem('unauthenticated', 'wrong user name or password'));
      return;
    }
    if (principal.role !== 'operator' || principal.deviceId !== undefined) {
      sendProblem(ctx, problem('operator-only', 'a device credential cannot sign in: use an operator credential'));
      return;
    }
    // A browser signing in again leaves no second session behind it.
    for (const previous of sessionTokensOf(ctx.req)) await deps.sessions.close(previous);
    const { token, session } = await deps.sessions.open(body.username);
    deps.logger.info('operator signed in', { user, remote: address, reqId: ctx.state.requestId });
    await deps.audit.record(auditSource(ctx), { action: 'session.sign-in', target: user });
    ctx.status = 201;
    ctx.set('Set-Cookie', sessionCookie(token, (session.expiresAt - session.createdAt) / 1000));
    answerSession(ctx, session);
  });

  router.get(SIGN_IN_PATH, (ctx) => {
    const current = sessionOf(ctx);
    if (current === undefined) {
      sendProblem(ctx, problem('session-not-found', 'this request carries no session cookie'));
      return;
    }
    answerSession(ctx, current.session);
  });

  router.delete(SIGN_IN_PATH, async (ctx) => {
    const current = sessionOf(ctx);
    if (current === undefined) {
      sendProblem(ctx, problem('session-not-found', 'this request carries no session cookie'));
      return;
    }
    await deps.sessions.close(current.token);
    deps.logger.info('operator signed out', { user: current.session.username, reqId: ctx.state.requestId });
    await deps.audit.record(auditSource(ctx), { action: 'session.sign-out', target: current.session.username });
    ctx.set('Set-Cookie', clearedSessionCookie());
    ctx.status = 204;
  });
}
