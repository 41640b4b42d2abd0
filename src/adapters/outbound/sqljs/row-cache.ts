const DEFAULT_CAPACITY = 10_000;

/**
 * The most recently read rows of one table by key, absent ones included. sql.js answers a
 * primary-key lookup in tens of microseconds (bind, step, copy out of WebAssembly), which at
 * thousands of device checks a second was the largest cost after TLS. The table's one writer
 * (this process holds the data dir's lock) forgets a key in the same turn as it changes its row,
 * so a cached row is never stale. Least recently used rows leave first.
 */
export class RowCache<K, V> {
  private readonly rows = new Map<K, V | undefined>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The row for `key`, reading it with `load` only when it is not cached. */
  read(key: K, load: () => V | undefined): V | undefined {
    if (this.rows.has(key)) {
      const row = this.rows.get(key);
      // Re-inserted so that Map order is least recently used first.
      this.rows.delete(key);
      this.rows.set(key, row);
      return row;
    }
    const row = load();
    if (this.rows.size >= this.capacity) {
      const oldest = this.rows.keys().next();
      if (oldest.done !== true) this.rows.delete(oldest.value);
    }
    this.rows.set(key, row);
    return row;
  }

  forget(key: K): void {
    this.rows.delete(key);
  }
}
