import type { Config } from '../../app/config/config.js';
import { StorageMetrics } from '../../adapters/inbound/http/storage-metrics.js';
import type { Logger } from '../../ports/logger.port.js';
import type { ProvisionedCredential } from '../bootstrap/provision-credential.js';
import type { ProvisionedTls } from '../bootstrap/provision-tls.js';
import { logCredentials, serverAuthenticator } from '../bootstrap/server-authenticator.js';
import { openStorage } from '../bootstrap/storage.js';
import { warnOfMissingFiles } from '../bootstrap/missing-files-warning.js';
import type { DataLayout } from '../config/data-layout.js';
import { describeStorage } from '../config/storage-description.js';
import { FuotaServer } from '../fuota-server.js';
import { certificateValidityWarning } from '../bootstrap/certificate-validity.js';

/** How this process serves: alone (the default) or as one of FUOTA_WORKERS' workers. */
export interface ServingRole {
  /** The embedded database's journal was taken over by another process (the lock was lost). */
  readonly onJournalTaken?: (error: Error) => void;
  /**
   * One of several workers: the files directory is shared, and metrics carry these labels;
   * `first`: the one of them that says what concerns them all once (the start-up checks).
   */
  readonly worker?: { readonly metricLabels: Readonly<Record<string, string>>; readonly first: boolean };
}

/** Opens the storage and starts the HTTPS server on it; the storage is closed if that fails. */
export async function startServing(
  config: Config,
  layout: DataLayout,
  tls: ProvisionedTls,
  credential: ProvisionedCredential | undefined,
  logger: Logger,
  role: ServingRole,
): Promise<FuotaServer> {
  const storageMetrics = new StorageMetrics();
  const storage = await openStorage(
    config.storage,
    layout,
    logger,
    role.onJournalTaken,
    storageMetrics,
    role.worker !== undefined,
  );
  // In the background: a hint for the operator, not a condition of starting; once, with workers.
  if (role.worker?.first !== false)
    void warnOfMissingFiles(storage.catalog, storage.files, describeStorage(config.storage).files, logger);
  return FuotaServer.start({
    config,
    storage,
    authenticator: serverAuthenticator(config, credential),
    tls,
    logger,
    storageMetrics,
    ...(role.worker === undefined ? {} : { metricLabels: role.worker.metricLabels }),
  }).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
}

/**
 * The start-up lines saying what the server runs with: data dir, storage, certificate and
 * credentials; and, the one time it is made, the generated password (on the terminal only).
 */
export async function logProvisioning(
  config: Config,
  layout: DataLayout,
  tls: ProvisionedTls,
  credential: ProvisionedCredential | undefined,
  logger: Logger,
): Promise<void> {
  logger.info('data dir', { path: config.dataDir });
  logger.info('storage', describeStorage(config.storage));
  logger.info('TLS certificate', { path: tls.certFile, source: tls.source });
  const validity = certificateValidityWarning(tls.cert, Date.now());
  if (validity !== undefined) logger.warn(validity, { path: tls.certFile });
  if (config.tlsClientCaFile !== undefined) logger.info('client certificates accepted', { ca: config.tlsClientCaFile });
  if (tls.uncovered.length > 0) {
    logger.warn(
      'the generated certificate does not cover some FUOTA_TLS_HOSTNAMES; move the tls directory away to generate a new one',
      {
        names: tls.uncovered.join(','),
      },
    );
  }
  logCredentials(logger, config, credential);
  warnOfOwnSecrets(config, tls, credential, logger);
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
}

/**
 * On PostgreSQL, other servers may share this one's storage, and each keeps its own generated
 * certificate and credential in its own data dir: a device or an operator would then be refused
 * by every server but one (another certificate, another password). Said at each start, since no
 * server can know whether others will join.
 */
function warnOfOwnSecrets(
  config: Config,
  tls: ProvisionedTls,
  credential: ProvisionedCredential | undefined,
  logger: Logger,
): void {
  if (config.storage.database === undefined) return;
  const own: string[] = [];
  if (tls.source !== 'configured') own.push('certificate (set FUOTA_TLS_CERT and FUOTA_TLS_KEY)');
  if (credential !== undefined && credential.source !== 'environment')
    own.push('credential (set FUOTA_USERNAME and FUOTA_PASSWORD, or both FUOTA_DEVICE_* and FUOTA_OPERATOR_*)');
  if (own.length === 0) return;
  logger.warn("this server's data dir keeps its own generated secrets: servers sharing this database must share them", {
    own: own.join(', '),
  });
}
