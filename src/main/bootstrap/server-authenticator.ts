import type { CredentialSecret } from '../../app/auth/credential-verifier.js';
import { RoleAuthenticator } from '../../app/auth/role-authenticator.js';
import type { Role } from '../../app/auth/role.js';
import type { Config } from '../../app/config/config.js';
import type { Logger } from '../../ports/logger.port.js';
import { NODE_CREDENTIAL_HASHING } from '../node-credential-hashing.js';
import type { ProvisionedCredential } from './provision-credential.js';

/**
 * Every credential the server accepts, with its role: the shared one (from the environment,
 * generated or stored), then the operator's and the devices' own when configured.
 */
export function serverAuthenticator(config: Config, shared: ProvisionedCredential | undefined): RoleAuthenticator {
  const list: Array<{ secret: CredentialSecret; role: Role }> = [];
  if (shared !== undefined) list.push({ secret: shared.secret, role: 'operator' });
  if (config.operatorCredential !== undefined)
    list.push({ secret: { kind: 'plain', ...config.operatorCredential }, role: 'operator' });
  if (config.deviceCredential !== undefined)
    list.push({ secret: { kind: 'plain', ...config.deviceCredential }, role: 'device' });
  return new RoleAuthenticator(list, NODE_CREDENTIAL_HASHING);
}

/** The start-up log's lines naming each credential (user name, role, where it came from; never a secret). */
export function logCredentials(logger: Logger, config: Config, shared: ProvisionedCredential | undefined): void {
  if (shared !== undefined) {
    const renamed = shared.renamedFrom === undefined ? {} : { renamedFrom: shared.renamedFrom };
    logger.info('credential', { username: config.username, role: 'operator', source: shared.source, ...renamed });
  }
  if (config.operatorCredential !== undefined)
    logger.info('credential', {
      username: config.operatorCredential.username,
      role: 'operator',
      source: 'environment',
    });
  if (config.deviceCredential !== undefined)
    logger.info('credential', { username: config.deviceCredential.username, role: 'device', source: 'environment' });
}
