import { DomainError } from './domain-error.js';

/**
 * Where an update file lives in the store: 1-200 bytes of `/`-separated segments, each of
 * `A-Z a-z 0-9 . _ + -`, never starting with `.` (which also rules out `.` and `..`). The shape
 * alone keeps every path inside the store, and leaves dot-names free for the store's own
 * temporary files, which therefore can never be requested.
 */
export type UpdateFilePath = string & { readonly __brand: 'UpdateFilePath' };

/** The rule as a pattern (with the length limit below), for the HTTP adapter's schemas and the API description. */
export const UPDATE_FILE_PATH_PATTERN = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*(?:\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)*$/;
/** Bytes and characters alike: the pattern admits ASCII only. */
export const UPDATE_FILE_PATH_MAX_LENGTH = 200;
export const UPDATE_FILE_PATH_RULE =
  'update file path must be 1-200 bytes of /-separated segments of A-Z a-z 0-9 . _ + -, none empty or starting with a dot';

export function isUpdateFilePath(raw: string): raw is UpdateFilePath {
  return raw.length <= UPDATE_FILE_PATH_MAX_LENGTH && UPDATE_FILE_PATH_PATTERN.test(raw);
}

export function parseUpdateFilePath(raw: string): UpdateFilePath {
  if (!isUpdateFilePath(raw)) {
    throw new DomainError('invalid-file-path', UPDATE_FILE_PATH_RULE);
  }
  return raw;
}
