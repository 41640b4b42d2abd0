import { randomUUID } from 'node:crypto';
import { DomainError } from '../../../domain/domain-error.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';
import { isUpdateFilePath } from '../../../domain/update-file-path.js';

/**
 * Where the S3 store keeps things in its bucket: an update file at `<prefix>/<path>`, and its own
 * objects (previous versions kept aside) under `<prefix>/.fuota-aside/`. No update file path has a
 * segment starting with a dot, so the two can never meet, and listing skips the latter.
 */
export class S3KeyLayout {
  private readonly base: string;

  /**
   * `prefix`: '' for the bucket's root, otherwise `/`-separated segments (outer slashes ignored).
   * `area`: a hidden folder below the prefix (such as `.deltas`, the delta patches' store), which
   * no update file path can name, so a store there never meets the update files' store.
   */
  constructor(prefix: string, area?: string) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    if (trimmed !== '' && !isUpdateFilePath(trimmed)) {
      throw new Error(
        `S3 key prefix "${prefix}" must be /-separated segments of A-Z a-z 0-9 . _ + -, none starting with a dot`,
      );
    }
    if (area !== undefined && !/^\.[a-z][a-z-]*$/.test(area))
      throw new Error(`S3 store area "${area}" must be .<letters>`);
    this.base = (trimmed === '' ? '' : `${trimmed}/`) + (area === undefined ? '' : `${area}/`);
  }

  /** Every key of the store starts with this ('' or ending in `/`). */
  get root(): string {
    return this.base;
  }

  /** The key of an update file; re-checks the path so that no caller can leave the prefix. */
  keyOf(path: UpdateFilePath): string {
    if (!isUpdateFilePath(path)) throw new DomainError('invalid-file-path', 'invalid update file path');
    return this.base + path;
  }

  /** The update file path a key holds, or undefined for a key that is not an update file's. */
  pathOf(key: string): UpdateFilePath | undefined {
    if (!key.startsWith(this.base)) return undefined;
    const path = key.slice(this.base.length);
    return isUpdateFilePath(path) ? path : undefined;
  }

  /** Where the store's own kept-aside copies live. */
  get asidePrefix(): string {
    return `${this.base}.fuota-aside/`;
  }

  /** A fresh key for a health probe's object (written, read back, deleted). */
  newHealthKey(): string {
    return `${this.base}.fuota-health/${randomUUID()}`;
  }

  /** A fresh key for a copy kept aside. */
  newAsideKey(): string {
    return `${this.asidePrefix}${randomUUID()}`;
  }
}
