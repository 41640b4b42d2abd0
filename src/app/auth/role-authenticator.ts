import type { Authenticator } from './authenticator.js';
import type { CredentialHashing, CredentialSecret } from './credential-verifier.js';
import { CredentialVerifier } from './credential-verifier.js';
import type { Principal } from './principal.js';
import type { Role } from './role.js';

/**
 * The server's credentials with their roles. Every credential is checked (no early exit), so the
 * time taken does not tell which user names exist; a pair matching several gets the widest role.
 */
export class RoleAuthenticator implements Authenticator {
  private readonly credentials: ReadonlyArray<{ verifier: CredentialVerifier; role: Role }>;

  readonly operatorCredentials: string;

  constructor(credentials: ReadonlyArray<{ secret: CredentialSecret; role: Role }>, hashing: CredentialHashing) {
    this.credentials = credentials.map(({ secret, role }) => ({
      verifier: new CredentialVerifier(secret, hashing),
      role,
    }));
    // Each operator credential as it is known (a password in clear, or the stored hash of a
    // generated one): another password, user name or generated credential changes the digest.
    const known = credentials
      .filter(({ role }) => role === 'operator')
      .map(({ secret }) =>
        [secret.kind, secret.username, secret.kind === 'plain' ? secret.password : secret.passwordHash].join('\0'),
      );
    this.operatorCredentials = hashing.digests.key(known.join('\0\0'));
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    // A plain loop that waits only where a slow hash must run, without a promise per credential:
    // a client with a new connection per request (as ESP32 devices check) runs this every time.
    let role: Role | undefined;
    for (const credential of this.credentials) {
      // matches() alone would give the same verdict, but through a promise even when none is needed.
      const verdict =
        credential.verifier.verdictNow(username, password) ?? (await credential.verifier.matches(username, password));
      if (verdict && (role === undefined || credential.role === 'operator')) role = credential.role;
    }
    return role === undefined ? undefined : { role };
  }
}
