/**
 * Whether an error is the connection's failure (PostgreSQL gone, shutting down, unreachable, or
 * the socket broken), not PostgreSQL's answer to a statement (a constraint, a syntax error): the
 * first is an outage (503, the connection dropped), the second a refusal.
 *
 * PostgreSQL's answers carry a five-character SQLSTATE: of those, 57P01-57P03 (shutting down,
 * not yet accepting connections) and class 08 (connection exceptions) are failures. Errors of the
 * socket carry the system's code (ECONNRESET, ECONNREFUSED, and EPIPE: five letters like a
 * SQLSTATE, but no SQLSTATE class begins with E); node-postgres's own, a message.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const systemCode = typeof code === 'string' && /^E[A-Z]+$/.test(code);
  if (typeof code === 'string' && !systemCode && /^[0-9A-Z]{5}$/.test(code)) {
    return /^(57P0[123]|08...)$/.test(code);
  }
  return (
    typeof code === 'string' ||
    /timeout exceeded when trying to connect|Query read timeout|Connection terminated|connect E/i.test(error.message)
  );
}
