import type { DomainErrorCode } from '../../../domain/domain-error.js';

/** The one place where a domain outcome becomes an HTTP status. */
export const ERROR_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  'invalid-device-id': 400,
  'invalid-app-version': 400,
  'invalid-file-path': 400,
  'invalid-record': 400,
  'record-id-mismatch': 400,
  'upload-incomplete': 400,
  unauthenticated: 403, // never 401: the esp32-fuota application reboots on a 401
  'device-not-found': 404,
  'file-not-found': 404,
  'update-file-missing': 404,
  'credential-not-found': 404,
  'route-not-found': 404,
  'method-not-allowed': 405,
  'file-path-conflict': 409,
  'file-in-use': 409,
  'reinstall-loop': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'invalid-image': 422,
  'storage-full': 507, // RFC 4918's Insufficient Storage: the write failed, nothing was kept
};
