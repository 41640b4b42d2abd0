import { probeLocalHealth } from '../../adapters/outbound/http/local-health-probe.js';
import { loadConfig } from '../config/load-config.js';

/** The address that reaches a server listening on `host` from the same machine. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * `fuota-server healthcheck`: exit 0 when the server configured by the same environment answers
 * `/healthz` with 200, 1 otherwise (the Docker HEALTHCHECK; no curl needed in the image).
 */
export async function healthcheckCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const status = await probeLocalHealth(loopbackFor(config.host), config.port);
  process.stdout.write(status === 0 ? 'unhealthy: no answer\n' : `${status === 200 ? 'healthy' : 'unhealthy'}: /healthz answered ${status}\n`);
  return status === 200 ? 0 : 1;
}
