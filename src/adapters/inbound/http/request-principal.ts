import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Authenticator } from '../../../app/auth/authenticator.js';
import type { Principal } from '../../../app/auth/principal.js';
import { isDeviceId } from '../../../domain/device-id.js';

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
 * The device named by a client certificate that the TLS layer verified against
 * FUOTA_TLS_CLIENT_CA: its subject's one CN, when that is a valid device id. Without a client CA
 * the server asks for no certificate, so no socket is ever `authorized`.
 */
export function certificateDevice(req: IncomingMessage): Principal | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const commonName: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof commonName === 'string' && isDeviceId(commonName) ? { role: 'device', deviceId: commonName } : undefined;
}

export type PrincipalOutcome =
  | { readonly kind: 'authenticated'; readonly principal: Principal }
  | { readonly kind: 'missing' | 'wrong' };

/**
 * Who sent `req`: Basic credentials when given (they decide, right or wrong), otherwise a
 * verified client certificate, otherwise nobody.
 */
export async function requestPrincipal(req: IncomingMessage, authenticator: Authenticator): Promise<PrincipalOutcome> {
  const header = req.headers.authorization;
  if (header === undefined) {
    const device = certificateDevice(req);
    return device === undefined ? { kind: 'missing' } : { kind: 'authenticated', principal: device };
  }
  const remembered = rememberedOutcome(req.socket, header);
  if (remembered !== undefined) return remembered;
  const offered = parseBasicCredentials(header);
  if (offered === undefined) return { kind: 'missing' };
  const principal = await authenticator.authenticate(offered.username, offered.password);
  if (principal === undefined) return { kind: 'wrong' };
  const outcome: PrincipalOutcome = { kind: 'authenticated', principal };
  if (!isLastRequest(req)) remember(req.socket, header, outcome);
  return outcome;
}

const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
const KEEP_ALIVE = /(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/i;

/**
 * Whether the client said its connection ends with this request (`Connection: close`, or
 * HTTP/1.0 without keep-alive): nothing is kept for a connection with no next request.
 */
export function isLastRequest(req: IncomingMessage): boolean {
  const connection = req.headers.connection;
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return connection === undefined || !KEEP_ALIVE.test(connection);
  return connection !== undefined && CLOSE.test(connection);
}

// Kept beside the socket rather than on it: a property added to Node's socket objects would give
// them a second shape and slow down Node's own code on every socket.
const remembered = new WeakMap<object, { readonly header: string; readonly outcome: PrincipalOutcome }>();

/**
 * A keep-alive client sends the same `Authorization` on every request of its connection. The
 * verdict of one of the server's configured credentials (fixed while it runs) is kept on the
 * connection for the next request carrying the very same header, which is then spared the
 * decoding and the constant-time hash. Comparing with the header this same client sent before
 * tells it nothing it does not know. A device's own credential (a principal naming a device) can
 * be revoked at any moment, so it is checked anew on every request; failures are never kept.
 */
function remember(socket: object, header: string, outcome: PrincipalOutcome & { kind: 'authenticated' }): void {
  if (outcome.principal.deviceId !== undefined) return;
  remembered.set(socket, { header, outcome });
}

function rememberedOutcome(socket: object, header: string): PrincipalOutcome | undefined {
  const entry = remembered.get(socket);
  return entry !== undefined && entry.header === header ? entry.outcome : undefined;
}
