/**
 * A copy of a replaced or deleted version, kept under a hidden key for as long as someone needs it:
 * the upload that may still be reverted, and the readers that opened that version. The last one to
 * let go removes it.
 */
export class AsideCopy {
  private holders = 0;

  constructor(
    readonly key: string,
    readonly etag: string,
    private readonly remove: (key: string) => Promise<void>,
  ) {}

  hold(): void {
    this.holders += 1;
  }

  /** Never rejects: a copy that cannot be removed now is only a hidden object. */
  async letGo(): Promise<void> {
    this.holders -= 1;
    if (this.holders === 0) await this.remove(this.key).catch(() => undefined);
  }
}
