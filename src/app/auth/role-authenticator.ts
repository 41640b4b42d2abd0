import type { Authenticator } from './authenticator.js';
import type { CredentialSecret } from './credential-verifier.js';
import { CredentialVerifier } from './credential-verifier.js';
import type { Principal } from './principal.js';
import type { Role } from './role.js';

/**
 * The server's credentials with their roles. Every credential is checked (no early exit), so the
 * time taken does not tell which user names exist; a pair matching several gets the widest role.
 */
export class RoleAuthenticator implements Authenticator {
  private readonly credentials: ReadonlyArray<{ verifier: CredentialVerifier; role: Role }>;

  constructor(credentials: ReadonlyArray<{ secret: CredentialSecret; role: Role }>) {
    this.credentials = credentials.map(({ secret, role }) => ({ verifier: new CredentialVerifier(secret), role }));
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const verdicts = await Promise.all(this.credentials.map(({ verifier }) => verifier.matches(username, password)));
    const roles = this.credentials.filter((_, index) => verdicts[index]).map(({ role }) => role);
    const role = roles.includes('operator') ? 'operator' : roles[0];
    return role === undefined ? undefined : { role };
  }
}
