import type { Logger } from '../../ports/logger.port.js';
import { loadEphemeralConfig } from '../config/ephemeral-config.js';
import { CaCertFile } from '../ephemeral/ca-cert-file.js';
import { openEphemeralServer } from '../ephemeral/ephemeral-server.js';
import { preload } from '../ephemeral/preload.js';
import { stopRequest } from './stop-request.js';

export interface EphemeralOptions {
  /** A folder of `*.bin` files and a `devices.csv` to put into the server before it is ready. */
  readonly preload: string | undefined;
  /** Stop when standard input closes (the process that started it died), not only on a signal. */
  readonly exitOnStdinClose: boolean;
}

/**
 * The one line `serve --ephemeral` writes to standard output, once it serves (and has preloaded):
 * everything a test rig needs to reach it. Field names are public: keep them.
 */
export interface ReadyLine {
  readonly url: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly caCertFile: string;
  readonly username: string;
  readonly password: string;
}

/**
 * `fuota-server serve --ephemeral`: an in-memory server for a test run (see
 * docs/testing-harness.md). Logs go to standard error (the logger given); standard output
 * carries the ready line only. Runs until SIGINT, SIGTERM or SIGHUP, or with
 * `exitOnStdinClose` until standard input closes, or until standard output is gone (a write
 * failed: EPIPE); then stops and removes its certificate file. Those are listened to from the
 * start: one arriving before the ready line (during a long preload) stops the start, leaves
 * nothing behind and exits 0 without a ready line.
 */
export async function serveEphemeralCommand(
  env: NodeJS.ProcessEnv,
  options: EphemeralOptions,
  logger: Logger,
  out: (line: string) => void = (line) => process.stdout.write(line),
): Promise<number> {
  const config = loadEphemeralConfig(env);
  const giveUp = new AbortController();
  let stdoutGone: () => void = () => {};
  const outputClosed = new Promise<string>((resolve) => (stdoutGone = () => resolve('stdout closed')));
  // A reader that went away: stop quietly rather than crash on an unhandled EPIPE.
  process.stdout.on('error', stdoutGone);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const request = stopRequest({ stdinClose: options.exitOnStdinClose, signals, abort: giveUp.signal });
  let stopped: string | undefined;
  const stop = Promise.race([request, outputClosed]).then((reason) => (stopped = reason));
  try {
    const running = await openEphemeralServer(config, logger);
    try {
      const caFile = await CaCertFile.write(running.ca);
      try {
        if (options.preload !== undefined && stopped === undefined) {
          logger.info('preloading', { from: options.preload });
          const loading = preload(options.preload, running.client);
          // Stopped meanwhile: the server's stop ends the preload's requests; its failure is moot.
          loading.catch(() => {});
          const loaded = await Promise.race([loading, stop.then(() => undefined)]);
          if (loaded !== undefined) {
            logger.info('preloaded', { from: options.preload, files: loaded.files.length, rows: loaded.rows });
          }
        }
        if (stopped === undefined) {
          logger.info('fuota listening', { url: running.url, local: running.url, ephemeral: true });
          await logger.flush();
          const ready: ReadyLine = {
            url: running.url,
            port: running.port,
            caCertPem: running.ca,
            caCertFile: caFile.path,
            username: running.username,
            password: running.password,
          };
          out(`${JSON.stringify(ready)}\n`);
        }
        logger.info('stopping', { signal: await stop });
      } finally {
        await caFile.remove();
      }
    } finally {
      await running.stop();
    }
  } finally {
    // The stdout listener stays: a late EPIPE must not crash the exit either.
    giveUp.abort();
  }
  logger.info('stopped');
  return 0;
}
