/**
 * Stable error codes: the inbound adapter maps each one to an HTTP status in one table, and
 * clients (people with curl, scripts) may rely on the code string in problem bodies.
 */
export type DomainErrorCode =
  | 'invalid-device-id'
  | 'invalid-app-version'
  | 'invalid-file-path'
  | 'file-path-conflict'
  | 'file-in-use'
  | 'invalid-record'
  | 'invalid-image'
  | 'reinstall-loop'
  | 'record-id-mismatch'
  | 'device-not-found'
  | 'file-not-found'
  | 'update-file-missing'
  | 'credential-not-found'
  | 'payload-too-large'
  | 'upload-incomplete'
  | 'storage-full'
  | 'unsupported-media-type'
  | 'unauthenticated'
  | 'route-not-found'
  | 'method-not-allowed';

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
