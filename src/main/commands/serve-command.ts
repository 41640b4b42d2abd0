import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { provisionCredential } from '../bootstrap/provision-credential.js';
import { provisionTls } from '../bootstrap/provision-tls.js';
import { logCredentials, serverAuthenticator } from '../bootstrap/server-authenticator.js';
import { openStorage } from '../bootstrap/storage.js';
import { StorageMetrics } from '../../adapters/inbound/http/storage-metrics.js';
import { describeStorage } from '../config/storage-description.js';
import { stopOnLostLock } from './stop-on-lost-lock.js';
import { stopRequest } from './stop-request.js';
import { dataLayout } from '../config/data-layout.js';
import { loadConfig } from '../config/load-config.js';
import { FuotaServer } from '../fuota-server.js';
import type { Logger } from '../../ports/logger.port.js';

/** `fuota-server serve`: runs until SIGINT or SIGTERM, then stops cleanly (exit 0). */
export async function serveCommand(env: NodeJS.ProcessEnv, logger: Logger): Promise<number> {
  const config = loadConfig(env);
  const layout = dataLayout(config.dataDir);
  const lock = await DataDirLock.acquire(config.dataDir, { onLost: stopOnLostLock, logger });
  try {
    const tls = await provisionTls(config, layout);
    const credential = await provisionCredential(config, layout.credentialFile);
    // The writes refused with it are answered 500 first; exiting in the same turn would only reset
    // their connections. Every later write is refused too, so the moment's wait risks nothing.
    const storageMetrics = new StorageMetrics();
    const storage = await openStorage(
      config.storage,
      layout,
      logger,
      (error) => void setTimeout(() => lock.reportLost(error), 100),
      storageMetrics,
    );
    const server = await FuotaServer.start({
      config,
      storage,
      authenticator: serverAuthenticator(config, credential),
      tls,
      logger,
      storageMetrics,
    }).catch(async (error: unknown) => {
      await storage.close();
      throw error;
    });
    logger.info('data dir', { path: config.dataDir });
    logger.info('storage', describeStorage(config.storage));
    logger.info('TLS certificate', { path: tls.certFile, source: tls.source });
    if (config.tlsClientCaFile !== undefined)
      logger.info('client certificates accepted', { ca: config.tlsClientCaFile });
    if (tls.uncovered.length > 0) {
      logger.warn(
        'the generated certificate does not cover some FUOTA_TLS_HOSTNAMES; move the tls directory away to generate a new one',
        {
          names: tls.uncovered.join(','),
        },
      );
    }
    logCredentials(logger, config, credential);
    if (credential?.generatedPassword !== undefined) {
      // Written straight to the terminal, never through the logger: shown this once only. The
      // logger writes asynchronously, so let its lines out first.
      await logger.flush();
      process.stdout.write(
        `\n  Generated credential (shown only now; only its hash is kept in ${layout.credentialFile}):\n` +
          `    username: ${config.username}\n    password: ${credential.generatedPassword}\n` +
          `  Set FUOTA_USERNAME and FUOTA_PASSWORD to choose your own.\n\n`,
      );
    }
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
