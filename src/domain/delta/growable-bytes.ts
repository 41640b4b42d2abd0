/**
 * An append-only byte buffer that doubles its storage as it fills: the codec writes streams whose
 * final length it learns only at the end, one byte or one run at a time.
 */
export class GrowableBytes {
  private storage: Uint8Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.storage = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.used;
  }

  push(byte: number): void {
    if (this.used === this.storage.length) this.reserve(1);
    this.storage[this.used++] = byte;
  }

  pushBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.storage.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Makes room for `extra` more bytes, so a caller can then write them with `pushUnchecked`. */
  reserve(extra: number): void {
    const needed = this.used + extra;
    if (needed <= this.storage.length) return;
    let capacity = this.storage.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.storage.subarray(0, this.used));
    this.storage = grown;
  }

  /** Appends without a capacity check: only after `reserve` made room. */
  pushUnchecked(byte: number): void {
    this.storage[this.used++] = byte;
  }

  /** The bytes so far, without copying: valid until the next write or `clear`. */
  view(): Uint8Array {
    return this.storage.subarray(0, this.used);
  }

  /** A copy of the bytes so far, sized exactly. */
  toBytes(): Uint8Array {
    return this.storage.slice(0, this.used);
  }

  clear(): void {
    this.used = 0;
  }
}
