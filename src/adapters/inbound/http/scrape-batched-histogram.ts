import type { Histogram, LabelValues } from 'prom-client';

// Observations kept per label set before they are handed over even without a scrape.
const CAPACITY = 1024;

interface Pending<L extends string> {
  readonly labels: LabelValues<L>;
  readonly values: Float64Array;
  count: number;
}

/**
 * Observations of a prom-client histogram gathered in a plain array per label set and handed
 * over in one loop when the registry is read (or when 1,024 are waiting). prom-client hashes the
 * labels and searches the buckets on every `observe`; on a device check that comes right after
 * a TLS handshake, that code runs cold each time, and handing observations over in a loop runs
 * it warm. A scrape sees every observation made before it, as with a direct `observe`.
 */
export class ScrapeBatchedHistogram<L extends string> {
  private readonly pending = new Map<string, Pending<L>>();

  /** Give `flush` to the Histogram's `collect` option (the histogram calls it before being read). */
  constructor(private readonly histogram: () => Histogram<L>) {}

  /** `key` stands for `labels`: a key always for the same labels (several keys may share them). */
  observe(key: string, labels: () => LabelValues<L>, value: number): void {
    let entry = this.pending.get(key);
    if (entry === undefined) {
      entry = { labels: labels(), values: new Float64Array(CAPACITY), count: 0 };
      this.pending.set(key, entry);
    }
    entry.values[entry.count] = value;
    entry.count += 1;
    if (entry.count === CAPACITY) this.handOver(entry);
  }

  /** Hands every waiting observation to the histogram. */
  flush(): void {
    for (const entry of this.pending.values()) this.handOver(entry);
  }

  private handOver(entry: Pending<L>): void {
    const histogram = this.histogram();
    const count = entry.count;
    // Emptied first: a value prom-client refuses must not make every later scrape fail again.
    entry.count = 0;
    for (let i = 0; i < count; i += 1) histogram.observe(entry.labels, entry.values[i] as number);
  }
}
