import type { Config } from '../../app/config/config.js';
import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { provisionCredential } from '../bootstrap/provision-credential.js';
import { provisionTls } from '../bootstrap/provision-tls.js';
import { workerIdentity } from '../cluster/worker-identity.js';
import { stopOnLostLock } from './stop-on-lost-lock.js';
import { stopRequest } from './stop-request.js';
import { dataLayout } from '../config/data-layout.js';
import { loadConfig } from '../config/load-config.js';
import type { Logger } from '../../ports/logger.port.js';
import { logProvisioning, startServing } from './start-serving.js';

/**
 * `fuota-server serve`: runs until SIGINT or SIGTERM, then stops cleanly (exit 0). With
 * FUOTA_WORKERS above 1 this process is the primary that starts the workers (cluster-primary.ts),
 * and each worker runs this command again as one of them (cluster-worker.ts).
 */
export async function serveCommand(env: NodeJS.ProcessEnv, logger: Logger): Promise<number> {
  const config = loadConfig(env);
  const worker = workerIdentity(env);
  if (worker !== undefined) {
    const { serveAsWorker } = await import('../cluster/cluster-worker.js');
    return serveAsWorker(config, worker, logger);
  }
  if (config.workers > 1) {
    const { serveAsPrimary } = await import('../cluster/cluster-primary.js');
    return serveAsPrimary(config, logger);
  }
  return serveAlone(config, logger);
}

/** One process serving the port: the default. */
async function serveAlone(config: Config, logger: Logger): Promise<number> {
  const layout = dataLayout(config.dataDir);
  const lock = await DataDirLock.acquire(config.dataDir, { onLost: stopOnLostLock, logger });
  try {
    const tls = await provisionTls(config, layout);
    const credential = await provisionCredential(config, layout.credentialFile);
    const server = await startServing(config, layout, tls, credential, logger, {
      // The writes refused with it are answered 500 first; exiting in the same turn would only
      // reset their connections. Every later write is refused too, so the wait risks nothing.
      onJournalTaken: (error) => void setTimeout(() => lock.reportLost(error), 100),
    });
    await logProvisioning(config, layout, tls, credential, logger);
    // Last, so that whoever waits for this line (a person, a script, a test) has seen the rest.
    logger.info('fuota listening', {
      url: `https://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.address.port}`,
      local: server.url,
    });
    logger.info('stopping', { signal: await stopRequest({ stdinClose: false }) });
    await server.stop();
    logger.info('stopped');
    return 0;
  } finally {
    await lock.release();
  }
}
