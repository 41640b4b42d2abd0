import { FailureWindow } from './failure-window.js';

/** Why a request is refused before its credential is even looked at. */
export interface AuthRefusal {
  /** Whole seconds until the refused party may try again (at least 1). */
  readonly retryAfter: number;
  /** `user`: this user name from this address; `address`: everything from this address. */
  readonly scope: 'user' | 'address';
}

/**
 * How many more failures one address may have, across user names, than one user name from it:
 * many devices share an address behind a NAT, and several may be misconfigured at once.
 */
export const ADDRESS_CEILING_FACTOR = 10;
// A user name is part of a key: bounded, so that long names cannot make the keys large.
const USER_KEY_CHARS = 128;
const MAX_TRACKED = 100_000;

/**
 * Counts failed authentications per client address and user name. Past `limit` failures within a
 * minute that pair is refused outright (the caller answers 429) for `cooldownSeconds`, whatever
 * it sends (so that guessing one password gets nowhere), while other user names from the same
 * address (the other devices behind a NAT) are served. Past `limit` × ADDRESS_CEILING_FACTOR
 * failures from one address, across user names, the whole address is refused: trying many user
 * names is bounded too. A request without a user name (no credential, a client certificate) is
 * counted under its certificate's CN or the empty name.
 */
export class AuthFailureLimiter {
  private readonly pairs: FailureWindow;
  private readonly addresses: FailureWindow;

  constructor(limit: number, cooldownSeconds: number, now: () => number = Date.now) {
    this.pairs = new FailureWindow(limit, cooldownSeconds * 1000, now, MAX_TRACKED);
    this.addresses = new FailureWindow(limit * ADDRESS_CEILING_FACTOR, cooldownSeconds * 1000, now, MAX_TRACKED);
  }

  /**
   * The refusal for a request from `address` offering `user`, or undefined when it may try.
   * `user` is asked only when some pair is blocked: the hot path is spared decoding it.
   */
  refusal(address: string, user: () => string): AuthRefusal | undefined {
    const wholeAddress = this.addresses.quiet ? 0 : this.addresses.blockedFor(address);
    if (wholeAddress > 0) return { retryAfter: Math.ceil(wholeAddress / 1000), scope: 'address' };
    const pair = this.pairs.quiet ? 0 : this.pairs.blockedFor(pairKey(address, user()));
    return pair > 0 ? { retryAfter: Math.ceil(pair / 1000), scope: 'user' } : undefined;
  }

  recordFailure(address: string, user: string): void {
    this.pairs.record(pairKey(address, user));
    this.addresses.record(address);
  }
}

function pairKey(address: string, user: string): string {
  return `${address}\n${user.slice(0, USER_KEY_CHARS)}`;
}
