import { ConfigError } from './config-error.js';

/**
 * Why the server could not listen, as the configuration problem it nearly always is (a port in
 * use, a host name that does not resolve), naming the variable to change; anything else as it is.
 */
export function listenError(error: unknown, host: string, port: number): Error {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ConfigError(
        'FUOTA_PORT',
        `port ${port} on ${host} is already in use (by another server, or a fuota still running?)`,
      );
    case 'EACCES':
    case 'EPERM':
      return new ConfigError(
        'FUOTA_PORT',
        `not permitted to listen on port ${port} (ports below 1024 need privileges; choose a higher one)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return new ConfigError('FUOTA_HOST', `cannot resolve "${host}" to an address`);
    case 'EADDRNOTAVAIL':
      return new ConfigError('FUOTA_HOST', `${host} is not an address of this machine`);
    case 'EAFNOSUPPORT':
      return new ConfigError('FUOTA_HOST', `${host} is of an address family this machine does not support`);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
