import { DomainError } from './domain-error.js';

/**
 * Where an update file lives in the store: 1-200 bytes of `/`-separated segments, each of
 * `A-Z a-z 0-9 . _ + -`, never starting with `.` (which also rules out `.` and `..`). The shape
 * alone keeps every path inside the store, and leaves dot-names free for the store's own
 * temporary files, which therefore can never be requested.
 */
export type UpdateFilePath = string & { readonly __brand: 'UpdateFilePath' };

const SEGMENT = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/;
const MAX_BYTES = 200;

export function isUpdateFilePath(raw: string): raw is UpdateFilePath {
  // The allowed characters are ASCII, so the length in characters is the length in bytes.
  if (raw.length === 0 || raw.length > MAX_BYTES) return false;
  return raw.split('/').every((segment) => SEGMENT.test(segment));
}

export function parseUpdateFilePath(raw: string): UpdateFilePath {
  if (!isUpdateFilePath(raw)) {
    throw new DomainError(
      'invalid-file-path',
      'update file path must be 1-200 bytes of /-separated segments of A-Z a-z 0-9 . _ + -, ' +
        'none empty or starting with a dot',
    );
  }
  return raw;
}
