import { once } from 'node:events';
import type { Config } from '../../app/config/config.js';
import type { Logger } from '../../ports/logger.port.js';
import { provisionCredential } from '../bootstrap/provision-credential.js';
import { provisionTls } from '../bootstrap/provision-tls.js';
import { startServing } from '../commands/start-serving.js';
import { dataLayout } from '../config/data-layout.js';
import type { WorkerIdentity } from './worker-identity.js';

/**
 * One of FUOTA_WORKERS' workers: serves the port the primary shares (node:cluster) until SIGTERM
 * or SIGINT, or until its primary is gone (the IPC channel closes), then stops cleanly. It takes
 * no data dir lock (the primary holds it) and reads the certificate and credential the primary
 * made before forking; the session-ticket key comes from the primary in FUOTA_TLS_TICKET_KEYS.
 */
export async function serveAsWorker(config: Config, worker: WorkerIdentity, logger: Logger): Promise<number> {
  const stop = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), once(process, 'disconnect')]);
  const layout = dataLayout(config.dataDir);
  let server: Awaited<ReturnType<typeof startServing>>;
  try {
    const tls = await provisionTls(config, layout);
    const credential = await provisionCredential(config, layout.credentialFile, { generate: false });
    server = await startServing(config, layout, tls, credential, logger, {
      worker: { metricLabels: { worker: String(worker.slot) }, first: worker.slot === 1 },
    });
  } catch (error) {
    // A worker that cannot start (its port in use) exits with its message, which fails the
    // primary's start: the channel to the primary would keep it alive, and the primary waiting.
    await logger.flush();
    // With the exit code main sets from this error (the primary reports it); disconnecting
    // instead would end the worker with 0.
    setTimeout(() => process.exit(), 0);
    throw error;
  }
  logger.info('worker listening', { local: server.url });
  const [signal] = (await stop) as unknown[];
  // A second signal (the terminal's SIGINT reaches every process, then the primary's SIGTERM)
  // must not cut the stop short.
  const ignore = () => undefined;
  process.on('SIGINT', ignore).on('SIGTERM', ignore);
  logger.info('worker stopping', { signal: typeof signal === 'string' ? signal : 'primary gone' });
  await server.stop();
  logger.info('worker stopped');
  await logger.flush();
  // The channel to the primary would keep the stopped worker alive.
  if (process.connected) process.disconnect();
  return 0;
}
