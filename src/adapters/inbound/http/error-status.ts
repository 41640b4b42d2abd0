import type { ErrorCode } from '../../../domain/domain-error.js';

/**
 * The one place where an error code becomes an HTTP status: every code, domain and transport,
 * has its row (the type makes a missing one a build error).
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  'invalid-device-id': 400,
  'invalid-app-version': 400,
  'invalid-file-path': 400,
  'invalid-record': 400,
  'invalid-query': 400,
  'invalid-request': 400,
  'record-id-mismatch': 400,
  'invalid-rollout': 400, // with every bad field in `problems`
  'upload-incomplete': 400,
  // A delta patch was asked for between files of which one is not a valid ESP-IDF image.
  'not-an-image': 400,
  // A 4xx that Koa or its middleware raised keeps the status it was raised with (see problem.ts).
  'bad-request': 400,
  unauthenticated: 403, // never 401: the esp32-fuota application reboots on a 401
  'operator-only': 403,
  'session-expired': 403, // the dashboard's cookie names no live session: sign in again
  'csrf-token-mismatch': 403, // a cookie-authenticated change without the session's X-CSRF-Token
  'session-not-found': 404,
  'device-not-found': 404,
  'file-not-found': 404,
  'update-file-missing': 404,
  'credential-not-found': 404,
  'signing-key-not-found': 404,
  'rollout-not-found': 404,
  'delta-not-found': 404,
  'route-not-found': 404,
  'method-not-allowed': 405,
  'file-path-conflict': 409,
  'file-in-use': 409,
  'reinstall-loop': 409,
  // The key is in the FUOTA_TRUSTED_KEYS file, which the API does not change.
  'signing-key-in-file': 409,
  'rollout-state-conflict': 409,
  'rollout-wave-conflict': 409,
  'rollout-busy': 503,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'range-not-satisfiable': 416,
  'invalid-image': 422,
  // Trusted keys are set and no block of the image verifies with one of them.
  'untrusted-signature': 422,
  'invalid-signing-key': 422,
  // The patch was made and applies back, but is not under FUOTA_DELTA_MAX_RATIO of the target.
  'delta-not-smaller': 422,
  'delta-base-ambiguous': 409,
  // The build failed, ran out of time or memory, or its patch did not rebuild the target.
  'delta-build-failed': 422,
  'too-many-failed-authentications': 429,
  'internal-error': 500,
  // The database or object store cannot be reached now (an outage, a restart): try again later,
  // never a wrong answer. Sent with Retry-After.
  'storage-unavailable': 503,
  // Too many password checks (scrypt) wait already: the credential was not looked at. Retry-After.
  'authentication-busy': 503,
  'storage-full': 507, // RFC 4918's Insufficient Storage: the write failed, nothing was kept
};
