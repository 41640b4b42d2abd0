import { DomainError } from '../../../domain/domain-error.js';

/** The kernel's ways of saying that a write did not fit: no space left, or a quota reached. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * `error` as the `storage-full` domain error (answered 507) when the disk or a quota is full, so
 * that an operator reads what to fix instead of a bare 500; any other error unchanged.
 */
export function storageFullOr(error: unknown, what: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !FULL.has(code)) return error;
  return new DomainError(
    'storage-full',
    `${what} failed: the disk is full (${code}); nothing was stored. Free some space and try again`,
  );
}
