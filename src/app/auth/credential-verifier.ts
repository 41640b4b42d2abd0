import { hash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from './password-hash.js';

/** How the server's one credential is known: in clear from the environment, or as a stored hash. */
export type CredentialSecret =
  | { readonly kind: 'plain'; readonly username: string; readonly password: string }
  | { readonly kind: 'hashed'; readonly username: string; readonly passwordHash: string };

const CACHE_LIMIT = 1024;

// The one-shot hash: a Hash object per request cost a busy server a measurable share of its CPU.
function digest(username: string, password: string): Buffer {
  return hash('sha256', `${username}\0${password}`, 'buffer');
}

/**
 * Checks Basic-auth pairs in constant time. A slow hash on every request would cap a fleet's
 * polling rate, so each distinct pair is hashed with scrypt once and its verdict remembered, keyed
 * by a SHA-256 of the pair (the pair itself is never kept).
 */
export class CredentialVerifier {
  private readonly expected: Buffer | undefined;
  private readonly verdicts = new Map<string, boolean>();

  constructor(private readonly secret: CredentialSecret) {
    this.expected = secret.kind === 'plain' ? digest(secret.username, secret.password) : undefined;
  }

  /**
   * The verdict when it needs no waiting: a plain credential, or a pair whose verdict is
   * remembered. Undefined when only `matches` can tell (the slow hash must run).
   */
  verdictNow(username: string, password: string): boolean | undefined {
    return this.knownVerdict(digest(username, password));
  }

  async matches(username: string, password: string): Promise<boolean> {
    const offered = digest(username, password);
    const known = this.knownVerdict(offered);
    if (known !== undefined) return known;
    const secret = this.secret as Extract<CredentialSecret, { kind: 'hashed' }>;
    const verdict =
      (await verifyPassword(password, secret.passwordHash)) &&
      timingSafeEqual(digest(username, ''), digest(secret.username, ''));
    this.remember(offered.toString('base64'), verdict);
    return verdict;
  }

  /** The verdict for an offered pair's digest that needs no slow hash, if there is one. */
  private knownVerdict(offered: Buffer): boolean | undefined {
    if (this.expected !== undefined) return timingSafeEqual(offered, this.expected);
    return this.verdicts.get(offered.toString('base64'));
  }

  private remember(key: string, verdict: boolean): void {
    if (this.verdicts.size >= CACHE_LIMIT) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(key, verdict);
  }
}
