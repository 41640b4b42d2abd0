import type { PasswordHasher } from '../../ports/password-hasher.port.js';
import type { SecretDigest } from '../../ports/secret-digest.port.js';

/** How the server's one credential is known: in clear from the environment, or as a stored hash. */
export type CredentialSecret =
  | { readonly kind: 'plain'; readonly username: string; readonly password: string }
  | { readonly kind: 'hashed'; readonly username: string; readonly passwordHash: string };

const CACHE_LIMIT = 1024;

/** What a pair is digested as: the NUL keeps `ab`+`c` and `a`+`bc` apart. */
function pairText(username: string, password: string): string {
  return `${username}\0${password}`;
}

/** The hashing a verifier needs: the slow hash for stored credentials, the fast digest for the rest. */
export interface CredentialHashing {
  readonly passwords: PasswordHasher;
  readonly digests: SecretDigest;
}

/**
 * Checks Basic-auth pairs in constant time. A slow hash on every request would cap a fleet's
 * polling rate, so each distinct pair is hashed with scrypt once and its verdict remembered, keyed
 * by a SHA-256 of the pair (the pair itself is never kept).
 */
export class CredentialVerifier {
  private readonly expected: Uint8Array | undefined;
  private readonly verdicts = new Map<string, boolean>();
  private readonly digests: SecretDigest;

  constructor(
    private readonly secret: CredentialSecret,
    private readonly hashing: CredentialHashing,
  ) {
    this.digests = hashing.digests;
    this.expected =
      secret.kind === 'plain' ? this.digests.digest(pairText(secret.username, secret.password)) : undefined;
  }

  /**
   * The verdict when it needs no waiting: a plain credential, or a pair whose verdict is
   * remembered. Undefined when only `matches` can tell (the slow hash must run).
   */
  verdictNow(username: string, password: string): boolean | undefined {
    // One digest per call either way: bytes to compare, or the base64 key of a remembered verdict.
    const pair = pairText(username, password);
    if (this.expected !== undefined) return this.digests.equal(this.digests.digest(pair), this.expected);
    return this.verdicts.get(this.digests.key(pair));
  }

  async matches(username: string, password: string): Promise<boolean> {
    const known = this.verdictNow(username, password);
    if (known !== undefined) return known;
    const secret = this.secret as Extract<CredentialSecret, { kind: 'hashed' }>;
    // The user name first: the slow hash runs only for the right one, so a flood of made-up
    // names costs no hashing (the name is no secret: it is configured, `fuota` by default).
    const verdict =
      this.digests.equal(
        this.digests.digest(pairText(username, '')),
        this.digests.digest(pairText(secret.username, '')),
      ) && (await this.hashing.passwords.verify(password, secret.passwordHash));
    this.remember(this.digests.key(pairText(username, password)), verdict);
    return verdict;
  }

  private remember(key: string, verdict: boolean): void {
    if (this.verdicts.size >= CACHE_LIMIT) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(key, verdict);
  }
}
