/**
 * Counts failed authentications per client address. Past `limit` failures within a minute the
 * address is refused outright (the caller answers 429) for `cooldownSeconds`, whatever it sends,
 * so that guessing the credential gets nowhere; other addresses are not affected.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();
  private static readonly WINDOW_MS = 60_000;
  private static readonly MAX_TRACKED = 100_000;

  constructor(
    private readonly limit: number,
    private readonly cooldownSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfter(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const remaining = until - this.now();
    if (remaining <= 0) {
      this.blockedUntil.delete(address);
      return 0;
    }
    return Math.ceil(remaining / 1000);
  }

  recordFailure(address: string): void {
    const now = this.now();
    const recent = (this.failures.get(address) ?? []).filter((at) => now - at < AuthFailureLimiter.WINDOW_MS);
    recent.push(now);
    if (recent.length >= this.limit) {
      this.blockedUntil.set(address, now + this.cooldownSeconds * 1000);
      this.failures.delete(address);
    } else {
      this.failures.set(address, recent);
    }
    if (this.failures.size > AuthFailureLimiter.MAX_TRACKED) this.prune(now);
  }

  /** Forgets addresses with no recent failure, so that a scan of many addresses cannot fill memory. */
  private prune(now: number): void {
    for (const [address, times] of this.failures) {
      if (times.every((at) => now - at >= AuthFailureLimiter.WINDOW_MS)) this.failures.delete(address);
    }
    for (const [address, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(address);
  }
}
