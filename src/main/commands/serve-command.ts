import { once } from 'node:events';
import type { CredentialSecret } from '../../app/auth/credential-verifier.js';
import { RoleAuthenticator } from '../../app/auth/role-authenticator.js';
import type { Role } from '../../app/auth/role.js';
import type { Config } from '../../app/config/config.js';
import type { ProvisionedCredential } from '../bootstrap/provision-credential.js';
import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { provisionCredential } from '../bootstrap/provision-credential.js';
import { provisionTls } from '../bootstrap/provision-tls.js';
import { openStorage } from '../bootstrap/storage.js';
import { StorageMetrics } from '../../adapters/inbound/http/storage-metrics.js';
import { describeStorage } from '../config/storage-description.js';
import { stopOnLostLock } from './stop-on-lost-lock.js';
import { dataLayout } from '../config/data-layout.js';
import { loadConfig } from '../config/load-config.js';
import { FuotaServer } from '../fuota-server.js';
import { NODE_CREDENTIAL_HASHING } from '../node-credential-hashing.js';
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
      authenticator: new RoleAuthenticator(credentials(config, credential), NODE_CREDENTIAL_HASHING),
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
    if (credential !== undefined) {
      const renamed = credential.renamedFrom === undefined ? {} : { renamedFrom: credential.renamedFrom };
      logger.info('credential', { username: config.username, role: 'operator', source: credential.source, ...renamed });
    }
    if (config.operatorCredential !== undefined)
      logger.info('credential', {
        username: config.operatorCredential.username,
        role: 'operator',
        source: 'environment',
      });
    if (config.deviceCredential !== undefined)
      logger.info('credential', { username: config.deviceCredential.username, role: 'device', source: 'environment' });
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
    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    logger.info('stopping', { signal: String(signal[0] ?? '') });
    await server.stop();
    logger.info('stopped');
    return 0;
  } finally {
    await lock.release();
  }
}

/** Every credential the server accepts, with its role. */
function credentials(
  config: Config,
  shared: ProvisionedCredential | undefined,
): Array<{ secret: CredentialSecret; role: Role }> {
  const list: Array<{ secret: CredentialSecret; role: Role }> = [];
  if (shared !== undefined) list.push({ secret: shared.secret, role: 'operator' });
  if (config.operatorCredential !== undefined)
    list.push({ secret: { kind: 'plain', ...config.operatorCredential }, role: 'operator' });
  if (config.deviceCredential !== undefined)
    list.push({ secret: { kind: 'plain', ...config.deviceCredential }, role: 'device' });
  return list;
}
