import { probeLocalHealth } from '../../adapters/outbound/http/local-health-probe.js';
import { loadConfig } from '../config/load-config.js';
import { loopbackHost } from '../config/loopback-host.js';

/**
 * `fuota-server healthcheck`: exit 0 when the server configured by the same environment answers
 * `/healthz` with 200, 1 otherwise (the Docker HEALTHCHECK; no curl needed in the image).
 */
export async function healthcheckCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const status = await probeLocalHealth(loopbackHost(config.host), config.port);
  process.stdout.write(
    status === 0
      ? 'unhealthy: no answer\n'
      : `${status === 200 ? 'healthy' : 'unhealthy'}: /healthz answered ${status}\n`,
  );
  return status === 200 ? 0 : 1;
}
