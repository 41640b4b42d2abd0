import { CliFailure, EXIT } from './exit-codes.js';

/**
 * Whether the server refused because its own disk is full: 507 (RFC 4918's Insufficient Storage),
 * or fuota's stable problem code for it, whatever the status a proxy may have put on it.
 */
export function isStorageFull(status: number, problem: unknown): boolean {
  return status === 507 || (problem as { code?: unknown } | undefined)?.code === 'storage-full';
}

/**
 * The server's full disk as the operator at this terminal needs to read it. The server's own
 * words ("the disk is full ... Free some space") are written from the server's side: here they
 * read as if this machine's disk were full. The exit status stays 1 (a server failure), as
 * documented; the message says whose disk it is, that nothing was stored, and what to do.
 */
export function storageFullFailure(detail: string, problem: unknown): CliFailure {
  return new CliFailure(
    "the server's disk is full, nothing was stored: free space on the server (its data dir, FUOTA_DATA_DIR), " +
      'e.g. delete stored files no device needs with fuota rm <path> (fuota files lists them), then run the command again' +
      (detail === '' ? '' : ` (the server said: ${detail})`),
    EXIT.failed,
    problem,
  );
}
