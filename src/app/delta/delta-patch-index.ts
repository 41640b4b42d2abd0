import { parseDeltaPatchId } from '../../domain/delta/delta-patch-id.js';
import { hexOf } from '../../domain/hex.js';
import { DELTA_PATCH_HEADER_SIZE, readDeltaPatchHeader } from '../../domain/delta/delta-patch.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { DeltaPatchStore } from '../../ports/delta-patch-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import type { DeltaPatchInfo } from './delta-offers.js';

export interface DeltaPatchIndexParts {
  readonly patches: DeltaPatchStore;
  readonly catalog: UpdateFileCatalog;
  readonly logger: Logger;
  /** The stored files this server knows, by SHA-256 (the catalog is read for the others). */
  readonly knownFile: (sha256: string) => UpdateFile | undefined;
}

/**
 * The stored patches' facts by id, as offers need them: the patch store's listing, read at start
 * and again when another server changed it, and this server's own puts and removals. Reloads
 * run one after another, so an older listing never lands after a newer one, and this server's
 * changes made while a listing was read are applied over it (they are newer).
 */
export class DeltaPatchIndex {
  private patches = new Map<string, DeltaPatchInfo>();
  private reloading: Promise<void> = Promise.resolve();
  /** While a reload reads the listing: this server's own changes, applied over what it read. */
  private changedDuringReload: Map<string, DeltaPatchInfo | null> | undefined;

  constructor(private readonly parts: DeltaPatchIndexParts) {}

  get(id: string): DeltaPatchInfo | undefined {
    return this.patches.get(id);
  }

  has(id: string): boolean {
    return this.patches.has(id);
  }

  values(): IterableIterator<DeltaPatchInfo> {
    return this.patches.values();
  }

  get size(): number {
    return this.patches.size;
  }

  /** A patch this server stored (or found stored). */
  note(patch: DeltaPatchInfo): void {
    this.patches.set(patch.id, patch);
    this.changedDuringReload?.set(patch.id, patch);
  }

  /** A patch this server removed. */
  forget(id: string): void {
    this.patches.delete(id);
    this.changedDuringReload?.set(id, null);
  }

  /** Reads the store's listing again; resolves once this reload and those before it are done. */
  reload(): Promise<void> {
    const run = async () => {
      const since = new Map<string, DeltaPatchInfo | null>();
      this.changedDuringReload = since;
      try {
        const next = new Map<string, DeltaPatchInfo>();
        for await (const id of this.parts.patches.list()) {
          const known = this.patches.get(id) ?? (await this.read(id));
          if (known !== undefined) next.set(id, known);
        }
        for (const [id, patch] of since) {
          if (patch === null) next.delete(id);
          else next.set(id, patch);
        }
        this.patches = next;
      } finally {
        this.changedDuringReload = undefined;
      }
    };
    const reloaded = this.reloading.catch(() => undefined).then(run);
    this.reloading = reloaded;
    return reloaded;
  }

  /** Resolves when the reloads asked for so far are done (whatever their outcome). */
  async reloaded(): Promise<void> {
    await this.reloading.catch(() => undefined);
  }

  /**
   * A stored patch's facts from the store: its id, size and time, its header's base digest, its
   * target's size. Undefined when it is not stored, its target file is not, or its header is not valid.
   */
  async read(id: string): Promise<DeltaPatchInfo | undefined> {
    const key = parseDeltaPatchId(id);
    const target = key === undefined ? undefined : await this.fileWithSha(key.targetSha256);
    if (target === undefined) return undefined;
    const stored = await this.readStored(id);
    if (stored?.baseImageSha256 === undefined) return undefined;
    return { ...stored, baseImageSha256: stored.baseImageSha256, targetSize: target.size };
  }

  /**
   * A stored patch whose target file is gone, for its removal: what its id and the store tell
   * (target size unknown: 0; base digest empty when the header is not valid).
   */
  async readOrphan(id: string): Promise<DeltaPatchInfo | undefined> {
    const stored = await this.readStored(id);
    return stored === undefined
      ? undefined
      : { ...stored, baseImageSha256: stored.baseImageSha256 ?? '', targetSize: 0 };
  }

  /** What the id, the store's stat and the header say of a stored patch (the digest undefined for a bad header). */
  private async readStored(
    id: string,
  ): Promise<
    (Omit<DeltaPatchInfo, 'baseImageSha256' | 'targetSize'> & { baseImageSha256: string | undefined }) | undefined
  > {
    const key = parseDeltaPatchId(id);
    if (key === undefined) return undefined;
    const [stat, head] = await Promise.all([
      this.parts.patches.stat(id),
      this.parts.patches.readHead(id, DELTA_PATCH_HEADER_SIZE),
    ]);
    if (stat === undefined || head === undefined) return undefined;
    let baseImageSha256: string | undefined;
    try {
      baseImageSha256 = hexOf(readDeltaPatchHeader(head).baseImageSha256);
    } catch (error) {
      this.parts.logger.warn('a stored delta patch has no valid header; not offered', { id, error });
    }
    return { ...key, id, baseImageSha256, size: stat.size, createdAt: stat.storedAt };
  }

  private async fileWithSha(sha256: string): Promise<UpdateFile | undefined> {
    const known = this.parts.knownFile(sha256);
    if (known !== undefined) return known;
    for await (const file of this.parts.catalog.list()) if (file.sha256 === sha256) return file;
    return undefined;
  }
}
