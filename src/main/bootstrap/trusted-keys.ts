import { readTrustedKeysFile, TrustedKeysFileError } from '../../adapters/outbound/crypto/trusted-keys-file.js';
import type { Config } from '../../app/config/config.js';
import { TrustedKeys } from '../../app/firmware/trusted-keys.js';
import { ConfigError } from '../config/config-error.js';
import type { TrustedKeyStore } from '../../ports/trusted-key-store.port.js';

/**
 * The fleet's trusted keys: the FUOTA_TRUSTED_KEYS file's, read once at start (a file that
 * cannot be used stops the start, saying which line and why), and those added through the API.
 */
export async function openTrustedKeys(config: Config, store: TrustedKeyStore): Promise<TrustedKeys> {
  if (config.trustedKeysFile === undefined) return new TrustedKeys([], store);
  try {
    return new TrustedKeys(await readTrustedKeysFile(config.trustedKeysFile, 'the FUOTA_TRUSTED_KEYS file'), store);
  } catch (error) {
    if (error instanceof TrustedKeysFileError) throw new ConfigError('FUOTA_TRUSTED_KEYS', error.message);
    throw error;
  }
}
