import type { LogLevel } from '../../app/config/config.js';
import { PinoLogger } from '../../adapters/outbound/logging/pino-logger.js';
import type { Logger } from '../../ports/logger.port.js';
import { loadEphemeralConfig } from '../config/ephemeral-config.js';
import type { EphemeralServer } from './ephemeral-server.js';
import { openEphemeralServer } from './ephemeral-server.js';
import { preload } from './preload.js';

/** One logger per level for the whole process: each holds an exit handler, and tests start many servers. */
const loggers = new Map<LogLevel, Logger>();

function stderrLogger(level: LogLevel): Logger {
  let logger = loggers.get(level);
  if (logger === undefined) {
    logger = PinoLogger.toStderr(level);
    loggers.set(level, logger);
  }
  return logger;
}

/**
 * An ephemeral server in this process, configured by `env` as `serve --ephemeral` is by the
 * environment (FUOTA_* variables, checked the same way), logging to standard error, with
 * `preloadDir` preloaded as `--preload` does: what `fuota/testing`'s startEphemeralServer runs.
 */
export async function startHarness(
  env: Readonly<Record<string, string>>,
  preloadDir: string | undefined,
): Promise<EphemeralServer> {
  const config = loadEphemeralConfig(env);
  const running = await openEphemeralServer(config, stderrLogger(config.logLevel));
  if (preloadDir !== undefined) {
    await preload(preloadDir, running.client).catch(async (error: unknown) => {
      await running.stop();
      throw error;
    });
  }
  return running;
}
