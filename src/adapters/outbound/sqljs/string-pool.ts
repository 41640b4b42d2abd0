/**
 * One instance of each distinct string, for the first `capacity` distinct values; later values
 * are returned as given. Values read from the database are new strings on every read: rows held
 * in memory that name the same few versions and files would otherwise each keep a copy.
 */
export class StringPool {
  private readonly values = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  shared(value: string): string {
    const known = this.values.get(value);
    if (known !== undefined) return known;
    if (this.values.size < this.capacity) this.values.set(value, value);
    return value;
  }
}
