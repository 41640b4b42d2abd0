const WINDOW_MS = 60_000;

/**
 * Failures per key within a sliding minute: a key that reaches `limit` is blocked for the
 * cool-down. Memory stays bounded whatever clients send: past `maxTracked` keys, keys with no
 * recent failure are forgotten, then the oldest (a forgotten key only starts counting afresh).
 */
export class FailureWindow {
  private readonly failures = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly cooldownMs: number,
    private readonly now: () => number,
    private readonly maxTracked: number,
  ) {}

  /** Whether no key is blocked: the common case, which spares callers building a key. */
  get quiet(): boolean {
    return this.blockedUntil.size === 0;
  }

  /** Milliseconds until `key` may try again, or 0 when it may now. */
  blockedFor(key: string): number {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return 0;
    const remaining = until - this.now();
    if (remaining > 0) return remaining;
    this.blockedUntil.delete(key);
    return 0;
  }

  record(key: string): void {
    const now = this.now();
    const recent = (this.failures.get(key) ?? []).filter((at) => now - at < WINDOW_MS);
    recent.push(now);
    // Deleted first, so that the map's order stays the order of last failure (oldest first).
    this.failures.delete(key);
    if (recent.length >= this.limit) {
      this.blockedUntil.delete(key);
      this.blockedUntil.set(key, now + this.cooldownMs);
    } else {
      this.failures.set(key, recent);
    }
    if (this.failures.size > this.maxTracked || this.blockedUntil.size > this.maxTracked) this.prune(now);
  }

  private prune(now: number): void {
    for (const [key, times] of this.failures) if (times.every((at) => now - at >= WINDOW_MS)) this.failures.delete(key);
    for (const [key, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(key);
    dropOldest(this.failures, this.maxTracked);
    dropOldest(this.blockedUntil, this.maxTracked);
  }
}

function dropOldest(map: Map<string, unknown>, keep: number): void {
  for (const key of map.keys()) {
    if (map.size <= keep) return;
    map.delete(key);
  }
}
