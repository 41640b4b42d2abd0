import type { Config } from '../../app/config/config.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

/** Set and not empty (an empty variable counts as unset, as everywhere in the configuration). */
const isSet = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? '') !== '';

/**
 * The configuration of `serve --ephemeral`: the same variables, checked the same way, with two
 * other defaults: a free port (FUOTA_PORT, or the seed's US_SERVER_PORT, still chooses one) and
 * the loopback address (FUOTA_HOST still chooses; the Docker image sets 0.0.0.0). Shared storage
 * is refused: everything lives in memory, and FUOTA_DATA_DIR is not used at all.
 */
export function loadEphemeralConfig(env: NodeJS.ProcessEnv, cwd?: string): Config {
  for (const variable of ['FUOTA_DATABASE_URL', 'FUOTA_BLOB_URL']) {
    if (isSet(env, variable)) {
      throw new ConfigError(
        variable,
        'serve --ephemeral keeps everything in memory: unset it, or serve without --ephemeral',
      );
    }
  }
  const defaults: NodeJS.ProcessEnv = {};
  if (!isSet(env, 'FUOTA_PORT') && !isSet(env, 'US_SERVER_PORT')) defaults.FUOTA_PORT = '0';
  if (!isSet(env, 'FUOTA_HOST')) defaults.FUOTA_HOST = '127.0.0.1';
  return loadConfig({ ...env, ...defaults }, cwd);
}
