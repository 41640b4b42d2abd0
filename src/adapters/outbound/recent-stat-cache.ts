import type { BlobInfo } from '../../ports/blob-store.port.js';

const DEFAULT_TTL_MS = 1_000;
const DEFAULT_CAPACITY = 4_096;

/**
 * What a recent stat of a store path found (including "nothing"), kept for a second. Every device
 * check that is offered an update asks for its file's size and time; at thousands of checks a
 * second a stat and a realpath per check were a tenth of the server's CPU. Writes through the
 * store forget their path at once; a file changed behind the server's back is seen within `ttlMs`
 * (downloads never ask this cache: they go by the stat of the file they opened).
 */
export class RecentStatCache {
  private readonly entries = new Map<string, { readonly info: BlobInfo | undefined; readonly expires: number }>();

  constructor(
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {}

  /** `{ info }` when a fresh answer is known (info undefined: the file was missing), else undefined. */
  lookup(path: string): { info: BlobInfo | undefined } | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(path);
      return undefined;
    }
    return { info: entry.info };
  }

  remember(path: string, info: BlobInfo | undefined): void {
    if (this.entries.size >= this.capacity) {
      // Oldest first: insertion order is expiry order, since every entry lives equally long.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(path);
    this.entries.set(path, { info, expires: this.now() + this.ttlMs });
  }

  forget(path: string): void {
    this.entries.delete(path);
  }
}
