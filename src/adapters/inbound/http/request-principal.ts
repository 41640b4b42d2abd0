import type { IncomingMessage } from 'node:http';
import type { OperatorSession } from '../../../app/auth/operator-sessions.js';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import { deviceCredentialPair } from '../../../app/auth/device-credential-pair.js';
import type { Principal } from '../../../app/auth/principal.js';
import { certificateOutcome } from './client-certificate.js';

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
 * How a request authenticated, for the log: a configured credential, a device's own, a
 * certificate, or the dashboard's session cookie.
 */
export type AuthMethod = 'credential' | 'device-credential' | 'certificate' | 'session';

/** A request that authenticated: its principal, the user name it gave and how. */
export interface AuthenticatedOutcome {
  readonly kind: 'authenticated';
  readonly principal: Principal;
  readonly user: string;
  readonly method: AuthMethod;
  /** The dashboard session that authenticated it (method `session`), and its cookie's token. */
  readonly session?: OperatorSession;
  readonly sessionToken?: string;
}

export type PrincipalOutcome =
  | AuthenticatedOutcome
  | { readonly kind: 'missing' | 'wrong' }
  | { readonly kind: 'certificate-refused'; readonly reason: string; readonly commonName: string };

const SHOWN_USER_CHARS = 128;

/**
 * The user name a request offers, for counting its failures: the Basic user name, or else the
 * client certificate's CN, or else the empty name; at most 128 characters.
 */
export function offeredUser(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const offered = parseBasicCredentials(header);
    // Logged with the request, and counted by the limiter: bounded, as a certificate's CN is
    // (a made-up user name of a whole header's length made every such log line that long).
    return offered === undefined ? '' : claimedUser(offered).slice(0, SHOWN_USER_CHARS);
  }
  const certificate = certificateOutcome(req);
  return certificate.kind === 'none' ? '' : certificate.kind === 'refused' ? certificate.commonName : certificate.user;
}

/**
 * Whom a Basic pair claims to be: the device of a device credential (split at its last colon, by
 * the very rule that verifies it), otherwise the Basic user name. Nothing else is taken from past
 * the first colon, so no piece of a password ever becomes a user name (which is logged).
 */
export function claimedUser(offered: { readonly username: string; readonly password: string }): string {
  return deviceCredentialPair(offered.username, offered.password)?.deviceId ?? offered.username;
}

/**
 * Who sent `req`: Basic credentials when given (they decide, right or wrong), otherwise a
 * verified client certificate, otherwise nobody. (The dashboard's session cookie is looked at
 * before, in request-authentication.ts.)
 */
export async function requestPrincipal(req: IncomingMessage, authenticator: Authenticator): Promise<PrincipalOutcome> {
  const header = req.headers.authorization;
  if (header === undefined) {
    const certificate = certificateOutcome(req);
    switch (certificate.kind) {
      case 'none':
        return { kind: 'missing' };
      case 'refused':
        return { kind: 'certificate-refused', reason: certificate.reason, commonName: certificate.commonName };
      case 'authenticated':
        return {
          kind: 'authenticated',
          principal: certificate.principal,
          user: certificate.user,
          method: 'certificate',
        };
    }
  }
  const known = rememberedOutcome(authenticator, header);
  if (known !== undefined) return known;
  const offered = parseBasicCredentials(header);
  if (offered === undefined) return { kind: 'missing' };
  const principal = await authenticator.authenticate(offered.username, offered.password);
  if (principal === undefined) return { kind: 'wrong' };
  const method = principal.deviceId === undefined ? 'credential' : 'device-credential';
  const outcome: PrincipalOutcome = {
    kind: 'authenticated',
    principal,
    user: principal.deviceId ?? offered.username,
    method,
  };
  if (principal.deviceId === undefined) remember(rememberedBy(authenticator), header, outcome);
  return outcome;
}

// A server has a handful of configured credentials; a few spellings of each header fit. Once
// full, nothing is forgotten: a holder of a credential sending many spellings of it (the Basic
// scheme's case and spaces) cannot push the devices' own header out, only be checked in full.
const REMEMBERED_HEADERS = 64;
// Per authenticator: a process may run several servers (tests do), each with its own credentials.
const remembered = new WeakMap<Authenticator, Map<string, AuthenticatedOutcome>>();

/** The verdict kept for this very `Authorization` header (see remember), if any. */
export function rememberedOutcome(authenticator: Authenticator, header: string): AuthenticatedOutcome | undefined {
  return remembered.get(authenticator)?.get(header);
}

function rememberedBy(authenticator: Authenticator): Map<string, AuthenticatedOutcome> {
  let outcomes = remembered.get(authenticator);
  if (outcomes === undefined) remembered.set(authenticator, (outcomes = new Map()));
  return outcomes;
}

/**
 * Devices send the same `Authorization` on every check, most of them on a new connection each
 * time. The verdict of one of the server's configured credentials (fixed while it runs) is kept
 * for the very same header, which is then spared the decoding and the constant-time digests
 * (a Map lookup hashes the whole header and never compares a near miss byte by byte). Only
 * headers that authenticated are kept, so a client guessing fills nothing. A device's own
 * credential (a principal naming a device) can be revoked at any moment, so it is checked anew
 * on every request.
 */
function remember(outcomes: Map<string, AuthenticatedOutcome>, header: string, outcome: AuthenticatedOutcome): void {
  if (outcomes.size < REMEMBERED_HEADERS) outcomes.set(header, outcome);
}
