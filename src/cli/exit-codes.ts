/** What a `fuota` command's exit status means, so that scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  /** The server failed (5xx, a full disk too), could not be reached or trusted (TLS), or answered something unexpected. */
  failed: 1,
  /** The command line or the configuration is wrong. */
  usage: 2,
  /** The credential was refused (403) or the address is locked out for failed attempts (429). */
  auth: 3,
  /** The device, file or credential does not exist (404). */
  notFound: 4,
  /** The server refused the request as it is (400, 409, 413, 415, 416, 422). */
  rejected: 5,
  /**
   * The server sent nothing and took nothing for the --timeout (a server that accepted the
   * connection and then hung): unlike 1, the request may well succeed if tried again later.
   */
  timedOut: 6,
  /** Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** The exit status for an HTTP status that was not the one the command wanted. */
export function exitForStatus(status: number): number {
  if (status === 403 || status === 401 || status === 429) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status >= 400 && status < 500) return EXIT.rejected;
  return EXIT.failed;
}

/** A failure that ends the command with `code`, after printing `message`. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
    /** The server's problem document, when it sent one (shown with --json). */
    readonly problem?: unknown,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}
