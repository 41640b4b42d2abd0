import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Principal } from '../../../app/auth/principal.js';
import { isDeviceId } from '../../../domain/device-id.js';

/** What a client certificate made of a request that carries no Basic credentials. */
export type CertificateOutcome =
  | { readonly kind: 'authenticated'; readonly principal: Principal; readonly user: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly reason: string; readonly commonName: string };

const SHOWN_CN_CHARS = 128;

// OpenSSL's verification errors an operator can act on, in words; any other is named by its code.
const VERIFY_ERRORS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'the client certificate has expired',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  INVALID_PURPOSE: 'the client certificate may not be used for client authentication (extendedKeyUsage)',
};

function verifyErrorText(code: string): string {
  return VERIFY_ERRORS[code] ?? `the client certificate is not issued by the CA of FUOTA_TLS_CLIENT_CA (${code})`;
}

/**
 * The device named by a client certificate that the TLS layer verified against
 * FUOTA_TLS_CLIENT_CA: its subject's one CN, when that is a valid device id. A certificate that
 * does not pass says why, so that the operator (answer) and the log (warning) can tell. Without a
 * client CA the server asks for no certificate, so there is never one.
 */
export function certificateOutcome(req: IncomingMessage): CertificateOutcome {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return { kind: 'none' };
  // Not authorized and no verification error: no certificate was asked for (no client CA).
  if (socket.authorized !== true && (socket.authorizationError ?? undefined) === undefined) return { kind: 'none' };
  const peer = socket.getPeerCertificate();
  // A client that sent no certificate gets an empty object (and, asked for one, an error).
  if (peer === null || peer.subject === undefined) return { kind: 'none' };
  const commonName: unknown = peer.subject.CN;
  // Shown in the answer and the log: bounded, whatever the certificate holds.
  const shown = (typeof commonName === 'string' ? commonName : JSON.stringify(commonName ?? null)).slice(
    0,
    SHOWN_CN_CHARS,
  );
  if (socket.authorized !== true) {
    return { kind: 'refused', reason: verifyErrorText(String(socket.authorizationError)), commonName: shown };
  }
  // Verified when the session began: a resumed session (a ticket) is not verified again, and may
  // outlive the certificate.
  const now = Date.now();
  if (Date.parse(peer.valid_to) < now)
    return { kind: 'refused', reason: verifyErrorText('CERT_HAS_EXPIRED'), commonName: shown };
  if (Date.parse(peer.valid_from) > now) {
    return { kind: 'refused', reason: verifyErrorText('CERT_NOT_YET_VALID'), commonName: shown };
  }
  if (typeof commonName !== 'string' || !isDeviceId(commonName)) {
    return {
      kind: 'refused',
      reason: `the client certificate's CN ${shown} is not a valid device id`,
      commonName: shown,
    };
  }
  return { kind: 'authenticated', principal: { role: 'device', deviceId: commonName }, user: commonName };
}
