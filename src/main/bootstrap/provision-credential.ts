import { randomBytes } from 'node:crypto';
import { readCredentialFile, writeCredentialFile } from '../../adapters/outbound/credentials/credential-file.js';
import { hashPassword } from '../../adapters/outbound/crypto/scrypt-password-hasher.js';
import type { CredentialSecret } from '../../app/auth/credential-verifier.js';
import type { Config } from '../../app/config/config.js';

export interface ProvisionedCredential {
  readonly secret: CredentialSecret;
  readonly source: 'environment' | 'stored' | 'generated';
  /** Set only when a password was generated just now: the one time it can be shown. */
  readonly generatedPassword?: string;
  /** The user name the stored credential had before FUOTA_USERNAME changed it. */
  readonly renamedFrom?: string;
}

/**
 * The shared (seed-compatible, operator) credential: the one from the environment when given; otherwise the one generated earlier (only its
 * hash is on disk), under the current FUOTA_USERNAME; otherwise a new random password, stored hashed and returned to be shown once.
 */
export async function provisionCredential(
  config: Config,
  credentialFile: string,
  options: { readonly generate?: boolean } = {},
): Promise<ProvisionedCredential | undefined> {
  if (config.password !== undefined) {
    return { secret: { kind: 'plain', username: config.username, password: config.password }, source: 'environment' };
  }
  // With both roles given their own credentials, no all-powerful shared one is made up.
  if (config.deviceCredential !== undefined && config.operatorCredential !== undefined) return undefined;
  const stored = await readCredentialFile(credentialFile);
  if (stored !== undefined) {
    const secret = { kind: 'hashed', username: config.username, passwordHash: stored.passwordHash } as const;
    if (stored.username === config.username) return { secret, source: 'stored' };
    // FUOTA_USERNAME changed: the operator renamed the login. The password they were shown once
    // (and may have built into devices) stays valid under the new name; replacing it would lock
    // everyone out with no way back but the new password in the log.
    await writeCredentialFile(credentialFile, { ...stored, username: config.username });
    return { secret, source: 'stored', renamedFrom: stored.username };
  }
  // A worker of FUOTA_WORKERS reads what its primary made: one that made its own would write a
  // password nobody is shown (and, after a failed start, one the primary has just removed).
  if (options.generate === false) throw new Error(`no credential in ${credentialFile}: the primary makes it`);
  const password = newPassword();
  const passwordHash = await hashPassword(password);
  await writeCredentialFile(credentialFile, {
    username: config.username,
    passwordHash,
    createdAt: new Date().toISOString(),
  });
  return {
    secret: { kind: 'hashed', username: config.username, passwordHash },
    source: 'generated',
    generatedPassword: password,
  };
}

/**
 * For `serve --ephemeral`: the shared operator credential from the environment, or a random
 * password made now and kept in memory only (it is handed to whoever started the server, in the
 * ready line). Always one, even beside split credentials: the ready line names it.
 */
export function ephemeralCredential(config: Config): ProvisionedCredential & { readonly password: string } {
  if (config.password !== undefined) {
    const secret = { kind: 'plain', username: config.username, password: config.password } as const;
    return { secret, source: 'environment', password: config.password };
  }
  const password = newPassword();
  return {
    secret: { kind: 'plain', username: config.username, password },
    source: 'generated',
    generatedPassword: password,
    password,
  };
}

/** 144 random bits, in characters that need no quoting in a URL, a shell or a JSON string. */
function newPassword(): string {
  return randomBytes(18).toString('base64url');
}
