const DEFAULT_CAPACITY = 10_000;

/**
 * The most recently read rows of one table by key, absent ones included. sql.js answers a
 * primary-key lookup in tens of microseconds (bind, step, copy out of WebAssembly), which at
 * thousands of device checks a second was the largest cost after TLS. The table's one writer
 * (this process holds the data dir's lock) forgets a key in the same turn as it changes its row,
 * so a cached row is never stale.
 *
 * When full, a row not read since it was last passed over leaves first ("second chance", an
 * approximation of least recently used): a hit only sets a flag, where moving the key to the end
 * of the Map on every hit cost a device check a visible share of its time.
 */
export class RowCache<K, V> {
  private readonly rows = new Map<K, { readonly value: V | undefined; recent: boolean }>();

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
    // Oldest first; a row read since it was last passed over goes to the back once instead.
    // Every flag cleared on the way, so this ends within one pass plus one row.
    for (const [key, entry] of this.rows) {
      this.rows.delete(key);
      if (!entry.recent) return;
      entry.recent = false;
      this.rows.set(key, entry);
    }
  }
}
