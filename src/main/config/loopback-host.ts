/**
 * The address that reaches, from the same machine, a server listening on `listen`: a wildcard
 * listen address means "every interface", and loopback is one of them.
 */
export function loopbackHost(listen: string): string {
  if (listen === '0.0.0.0') return '127.0.0.1';
  if (listen === '::') return '::1';
  return listen;
}
