import type { Config } from '../../app/config/config.js';
import type { Logger } from '../../ports/logger.port.js';
import { ephemeralCredential } from '../bootstrap/provision-credential.js';
import { ephemeralTls } from '../bootstrap/provision-tls.js';
import { logCredentials, serverAuthenticator } from '../bootstrap/server-authenticator.js';
import { memoryStorage } from '../bootstrap/storage.js';
import { FuotaServer } from '../fuota-server.js';
import { OperatorClient } from './operator-client.js';

/** A running in-memory server, what a client needs to reach it, and a client of its operator routes. */
export interface EphemeralServer {
  readonly server: FuotaServer;
  /** `https://127.0.0.1:<port>` (or the configured host): covered by the certificate. */
  readonly url: string;
  readonly port: number;
  /** PEM of the server's certificate, its own CA: what clients and devices must trust. */
  readonly ca: string;
  /** The operator credential (Basic auth), which devices may use too, as with the seed. */
  readonly username: string;
  readonly password: string;
  readonly client: OperatorClient;
  /** Finishes requests in flight and lets everything go; nothing is left behind. */
  stop(): Promise<void>;
}

/**
 * The composition of `serve --ephemeral` and of the `fuota/testing` API: the server `serve` runs
 * (FuotaServer, the same container, routes and use cases) on every port's in-memory adapter, with
 * a certificate and a credential made in memory: no data dir, so no lock, nothing on disk.
 */
export async function openEphemeralServer(
  config: Config,
  logger: Logger,
  options: { readonly now?: () => number } = {},
): Promise<EphemeralServer> {
  const tls = await ephemeralTls(config);
  const credential = ephemeralCredential(config);
  const storage = memoryStorage();
  const server = await FuotaServer.start({
    config,
    storage,
    authenticator: serverAuthenticator(config, credential),
    tls,
    logger,
    ...(options.now === undefined ? {} : { now: options.now }),
  }).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  logger.info('storage', { database: 'memory (ephemeral)', files: 'memory (ephemeral)' });
  logger.info('TLS certificate', { source: tls.source, ephemeral: true });
  logCredentials(logger, config, credential);
  const access = { url: server.url, ca: tls.cert, username: config.username, password: credential.password };
  return {
    server,
    ...access,
    port: server.address.port,
    client: new OperatorClient(access),
    stop: () => server.stop(),
  };
}
