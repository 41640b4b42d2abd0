import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import type { Config } from '../../app/config/config.js';
import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import type { Logger } from '../../ports/logger.port.js';
import { DataDirLock } from '../bootstrap/data-dir-lock.js';
import { provisionCredential } from '../bootstrap/provision-credential.js';
import { provisionTls } from '../bootstrap/provision-tls.js';
import { logProvisioning } from '../commands/start-serving.js';
import { stopOnLostLock } from '../commands/stop-on-lost-lock.js';
import { dataLayout } from '../config/data-layout.js';
import { loopbackHost } from '../config/loopback-host.js';
import { WorkerPool } from './worker-pool.js';

/** The length of a TLS session-ticket key (Node's: name, HMAC and AES keys). */
const TICKET_KEY_BYTES = 48;

/**
 * The primary of FUOTA_WORKERS: does what must happen once per machine, then forks the workers
 * (node:cluster) that share its port, restarts one that dies, and stops them on SIGTERM or
 * SIGINT. Once: the data dir lock (held for all of them; the workers never take it), the
 * generated certificate and credential (made here, read by the workers), the removal of a
 * crashed upload's leftovers in the data dir's files directory (a worker must not: its
 * siblings' uploads under way look the same), and the session-ticket key: FUOTA_TLS_TICKET_KEYS,
 * or one drawn here for this run, given to the workers in their environment (never logged), so
 * that a device resumes its TLS session on whichever worker takes its next connection.
 */
export async function serveAsPrimary(config: Config, logger: Logger): Promise<number> {
  const signals = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  const layout = dataLayout(config.dataDir);
  const lock = await DataDirLock.acquire(config.dataDir, { onLost: stopOnLostLock, logger });
  try {
    const tls = await provisionTls(config, layout);
    const credential = await provisionCredential(config, layout.credentialFile);
    if (config.storage.blobs === undefined) await (await FileSystemBlobStore.open(layout.filesDir)).close();
    const ticketKey = config.tlsTicketKeys ?? randomBytes(TICKET_KEY_BYTES);
    const pool = new WorkerPool(config.workers, { FUOTA_TLS_TICKET_KEYS: ticketKey.toString('hex') }, logger);
    // As serve-command's: a generated password never shown (a start that failed or was stopped) is not kept.
    const forgetUnshownPassword = async () => {
      if (credential?.generatedPassword !== undefined) await rm(layout.credentialFile, { force: true });
    };
    const first = await Promise.race([
      pool.start().then((address) => ({ address })),
      signals.then(([signal]: unknown[]) => ({ signal: String(signal ?? '') })),
    ]).catch(async (error: unknown) => {
      await forgetUnshownPassword();
      throw error;
    });
    if ('signal' in first) {
      await forgetUnshownPassword();
      logger.info('stopping before the start finished', { signal: first.signal, workers: pool.running });
      await pool.stop();
      logger.info('stopped');
      return 0;
    }
    const address = first.address;
    await logProvisioning(config, layout, tls, credential, logger);
    // Last, so that whoever waits for this line (a person, a script, a test) has seen the rest.
    const local = loopbackHost(address.address ?? config.host);
    logger.info('fuota listening', {
      url: `https://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`,
      local: `https://${local.includes(':') ? `[${local}]` : local}:${address.port}`,
      workers: config.workers,
      ticketKeys: config.tlsTicketKeys === undefined ? 'drawn for this run' : 'FUOTA_TLS_TICKET_KEYS',
    });
    const [signal] = (await signals) as unknown[];
    logger.info('stopping', { signal: String(signal ?? ''), workers: pool.running });
    await pool.stop();
    logger.info('stopped');
    return 0;
  } finally {
    await lock.release();
  }
}
