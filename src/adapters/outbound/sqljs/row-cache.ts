const DEFAULT_CAPACITY = 10_000;

/**
 * The most recently read rows of one table by key, absent ones included. sql.js answers a
 * primary-key lookup in tens of microseconds (bind, step, copy out of WebAssembly), which at
 * thousands of device checks a second was the largest cost after TLS. The table's one writer
 * (this process holds the data dir's lock) forgets a key in the same turn as it changes its row,
 * so a cached row is never stale.
 *
 * When full, a row not read since it was last passed over leaves first ("second chance", or
 * CLOCK, an approximation of least recently used): a hit only sets a flag, where moving the key
 * to the end of the Map on every hit cost a device check a visible share of its time. The clock's
 * hand is an iterator kept between evictions: starting each look from the front walked over the
 * holes that deletions leave in the Map, which made every miss cost more the longer the server
 * ran with more devices than the cache holds.
 */
export class RowCache<K, V> {
  private readonly rows = new Map<K, { readonly value: V | undefined; recent: boolean }>();
  private hand: Iterator<[K, { readonly value: V | undefined; recent: boolean }]> | undefined;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The row for `key`, reading it with `load` only when it is not cached. */
  read(key: K, load: () => V | undefined): V | undefined {
    const cached = this.rows.get(key);
    if (cached !== undefined) {
      cached.recent = true;
      return cached.value;
    }
    const value = load();
    if (this.rows.size >= this.capacity) this.evictOne();
    this.rows.set(key, { value, recent: false });
    return value;
  }

  forget(key: K): void {
    this.rows.delete(key);
  }

  private evictOne(): void {
    // Every flag the hand passes is cleared, so this ends within one turn of the clock plus one row.
    for (let steps = 0; steps <= 2 * this.rows.size + 1; steps += 1) {
      let next = this.hand?.next();
      if (next === undefined || next.done === true) {
        this.hand = this.rows.entries();
        next = this.hand.next();
        if (next.done === true) return;
      }
      const [key, entry] = next.value;
      if (!entry.recent) {
        this.rows.delete(key);
        return;
      }
      entry.recent = false;
    }
  }
}
