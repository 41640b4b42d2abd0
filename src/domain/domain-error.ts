/**
 * Every stable error code, in one place: clients (people with curl, scripts) may rely on the
 * code string in problem bodies, so none of them may change. The inbound adapters map each one
 * to an HTTP status in one exhaustive table (error-status.ts).
 *
 * Two kinds: a domain code names an outcome of the fleet's rules or its storage (any use case or
 * port may raise it); a transport code names something only the HTTP layer can tell (a request
 * that never reached a use case: no route, no credential, a body of the wrong type). Transport
 * codes are listed here, beside the others, so that one list holds every code a client can see,
 * but a DomainError cannot carry one.
 */
export const DOMAIN_ERROR_CODES = [
  'invalid-device-id',
  'invalid-app-version',
  'invalid-file-path',
  'file-path-conflict',
  'file-in-use',
  'invalid-record',
  'invalid-query',
  'invalid-request',
  'invalid-image',
  'untrusted-signature',
  'reinstall-loop',
  'record-id-mismatch',
  'device-not-found',
  'file-not-found',
  'update-file-missing',
  'credential-not-found',
  'signing-key-not-found',
  'signing-key-in-file',
  'invalid-signing-key',
  'payload-too-large',
  'storage-full',
  'storage-unavailable',
  'authentication-busy',
  'invalid-rollout',
  'rollout-not-found',
  'rollout-state-conflict',
  'rollout-wave-conflict',
  'rollout-busy',
  'not-an-image',
  'delta-not-found',
  'delta-not-smaller',
  'delta-build-failed',
  'delta-base-ambiguous',
] as const;

export const TRANSPORT_ERROR_CODES = [
  'unauthenticated',
  'operator-only',
  'session-expired',
  'csrf-token-mismatch',
  'session-not-found',
  'too-many-failed-authentications',
  'route-not-found',
  'method-not-allowed',
  'unsupported-media-type',
  'range-not-satisfiable',
  'upload-incomplete',
  'bad-request',
  'internal-error',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];
export type ErrorCode = DomainErrorCode | TransportErrorCode;

/** An expected failure of a use case, as opposed to a bug or an I/O fault. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
