import type { IncomingMessage } from 'node:http';
import type { AuthFailureLimiter, AuthRefusal } from '../../../app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import type { OperatorSessions } from '../../../app/auth/operator-sessions.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { HeaderList } from './header-list.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';
import type { AuthenticatedOutcome, PrincipalOutcome } from './request-principal.js';
import { offeredUser, rememberedOutcome, requestPrincipal } from './request-principal.js';
import { clearedSessionCookie, sessionTokensOf } from './session-cookie.js';

/** How a request's authentication ended: who sent it, or the answer that refuses it. */
export type AuthenticationVerdict =
  | AuthenticatedOutcome
  | {
      readonly kind: 'refused';
      readonly problem: Problem;
      /** Retry-After for a limited client, the Basic challenge for a failed credential. */
      readonly headers: HeaderList;
      /** The user name the request offered, for its log line. */
      readonly user: string;
    };

function refusalText(refusal: AuthRefusal): string {
  const who = refusal.scope === 'address' ? 'from this address' : 'for this user name from this address';
  return `too many failed authentications ${who}; retry in ${refusal.retryAfter} s`;
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
 * Every request but `/healthz`, the dashboard's static files and its sign-in needs a credential
 * (Basic, or a client certificate when FUOTA_TLS_CLIENT_CA is set, or on the operator adapter
 * the dashboard's session cookie, when `sessions` is given); both adapters ask here. An address in its cool-down after failed
 * authentications is refused (429) before its credential is looked at. A failure is counted and
 * answers 403 with the Basic challenge, never 401: the esp32-fuota application treats a 401 as
 * fatal and reboots. A refused client certificate says why, in the answer and in a warning,
 * since its owner cannot otherwise tell.
 */
export async function authenticateRequest(
  req: IncomingMessage,
  authenticator: Authenticator,
  limiter: AuthFailureLimiter,
  logger: Logger,
  requestId: string,
  sessions?: OperatorSessions,
): Promise<AuthenticationVerdict> {
  const address = req.socket.remoteAddress ?? '';
  if (sessions !== undefined && req.headers.authorization === undefined) {
    const verdict = await sessionVerdict(req, address, sessions, limiter);
    if (verdict !== undefined) return verdict;
  }
  const refusal = limiter.refusal(address, () => offeredUser(req));
  if (refusal !== undefined) {
    return {
      kind: 'refused',
      problem: problem('too-many-failed-authentications', refusalText(refusal)),
      headers: [['Retry-After', String(refusal.retryAfter)]],
      user: offeredUser(req),
    };
  }
  const outcome = await requestPrincipal(req, authenticator);
  if (outcome.kind === 'authenticated') return outcome;
  const user = offeredUser(req);
  limiter.recordFailure(address, user);
  if (outcome.kind === 'certificate-refused') {
    logger.warn('client certificate refused', {
      reason: outcome.reason,
      cn: outcome.commonName,
      remote: address,
      reqId: requestId,
    });
  }
  return {
    kind: 'refused',
    problem: problem('unauthenticated', failureText(outcome)),
    headers: [['WWW-Authenticate', 'Basic realm="fuota"']],
    user,
  };
}

/**
 * What authenticateRequest decides for a request whose `Authorization` header authenticated
 * before (one of the server's configured credentials, see request-principal.ts), told without a
 * promise: devices send the same header on every check. Undefined for every other request,
 * and for one from an address in its cool-down: authenticateRequest answers those.
 */
export function authenticatedAtOnce(
  req: IncomingMessage,
  authenticator: Authenticator,
  limiter: AuthFailureLimiter,
): AuthenticatedOutcome | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const known = rememberedOutcome(authenticator, header);
  if (known === undefined) return undefined;
  return limiter.refusal(req.socket.remoteAddress ?? '', () => offeredUser(req)) === undefined ? known : undefined;
}

/** What a dead session cookie counts its failures under: not the user name of anything else. */
export const DEAD_SESSION_USER = '(dashboard session)';

/**
 * The verdict of a request's session cookies (without Basic credentials), or undefined when it
 * carries none. A live session is let through without asking the failed-auth limiter: its
 * 384-bit token cannot be guessed, and failures of others at the same address (a page of another
 * site loading images from the server, devices behind the same NAT) must not lock an operator
 * out. The session store is asked (the shared database's, with several servers: a store that cannot
 * be reached fails the request with 503, it is never taken for a dead session). A cookie naming no session (expired, signed out, made up) is a failed authentication,
 * counted under its own name; its answer clears the cookie, and carries no Basic challenge,
 * which would have a browser prompt for a password outside the dashboard's sign-in page.
 */
async function sessionVerdict(
  req: IncomingMessage,
  address: string,
  sessions: OperatorSessions,
  limiter: AuthFailureLimiter,
): Promise<AuthenticationVerdict | undefined> {
  const tokens = sessionTokensOf(req);
  if (tokens.length === 0) return undefined;
  for (const token of tokens) {
    const session = await sessions.find(token);
    if (session !== undefined) {
      return {
        kind: 'authenticated',
        principal: { role: 'operator' },
        user: session.username,
        method: 'session',
        session,
        sessionToken: token,
      };
    }
  }
  const refusal = limiter.refusal(address, () => DEAD_SESSION_USER);
  if (refusal !== undefined) {
    return {
      kind: 'refused',
      problem: problem('too-many-failed-authentications', refusalText(refusal)),
      headers: [['Retry-After', String(refusal.retryAfter)]],
      user: DEAD_SESSION_USER,
    };
  }
  limiter.recordFailure(address, DEAD_SESSION_USER);
  return {
    kind: 'refused',
    problem: problem('session-expired', 'the session has ended (it expired, or signed out): sign in again'),
    headers: [['Set-Cookie', clearedSessionCookie()]],
    user: DEAD_SESSION_USER,
  };
}
