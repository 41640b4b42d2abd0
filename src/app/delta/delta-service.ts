import { EDO1_HS8_7 } from '../../domain/delta/delta-format.js';
import type { DeltaFormatId } from '../../domain/delta/delta-format.js';
import { deltaPatchId, parseDeltaPatchId } from '../../domain/delta/delta-patch-id.js';
import { DomainError } from '../../domain/domain-error.js';
import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { UpdateFilePath } from '../../domain/update-file-path.js';
import type { BlobStore, OpenedBlob } from '../../ports/blob-store.port.js';
import type { ChangeFeed, HeardChange } from '../../ports/change-feed.port.js';
import type { DeltaPatchBuilder } from '../../ports/delta-patch-builder.port.js';
import type { DeltaPatchStore } from '../../ports/delta-patch-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { Sha256Factory } from '../../ports/sha256.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { chooseBases, isPatchable } from './delta-base-choice.js';
import type { DeltaBuildOutcome, DeltaBuildState } from './delta-build-state.js';
import type { DeltaOffers, DeltaPatchInfo } from './delta-offers.js';
import { DeltaPatchIndex } from './delta-patch-index.js';
import type { DeltaSettings } from './delta-settings.js';
import { wholeBlob } from './whole-blob.js';

/** A stored patch as operators see it: with its base file (null when gone) and its share of the target. */
export interface DeltaPatchView extends DeltaPatchInfo {
  readonly basePath: string | null;
  readonly baseVersion: string | null;
  readonly targetPath: string | null;
  /** size / targetSize. */
  readonly ratio: number;
  /** Whether devices running the base are sent it now (see `offerable`). */
  readonly offered: boolean;
}

/** What the service needs of the fleet: the stored images as it reads them, and what devices run. */
export interface DeltaFleetView {
  watchImages(listener: (files: readonly UpdateFile[]) => void): () => void;
  values(): IterableIterator<InventoryEntry>;
}

export interface DeltaServiceParts {
  readonly files: BlobStore;
  readonly patches: DeltaPatchStore;
  readonly catalog: UpdateFileCatalog;
  readonly builder: DeltaPatchBuilder;
  readonly feed: ChangeFeed;
  readonly fleet: DeltaFleetView;
  readonly sha256: Sha256Factory;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * A build that failed for a cause that may pass (a busy machine's timeout, a storage error) may
 * be tried again when asked this long after; one refused for its size or memory, or whose patch
 * did not rebuild the target, fails the same way every time and is not.
 */
export const DELTA_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Makes, keeps and offers delta patches (issue 21). Patches are built, one per pair at a time,
 * when an image is uploaded (from the newest FUOTA_DELTA_BASES other versions of its project and
 * chip, and from the versions devices run), when a rollout starts, and when a device asks for a
 * pair from a base fuota stores but has no patch for (the device gets the full image meanwhile).
 * A patch is kept only when it applies back to the exact target and is under the ratio; a pair
 * that gave no patch is remembered (in memory) and not built again until an operator asks, or,
 * after a failure that may pass (a timeout, a storage error), when asked an hour later.
 *
 * The index of patches is the patch store's listing, read at start and again when another server
 * announces a change ('deltas' on the change feed), so servers sharing the storage offer the same
 * patches. Offers are answered from memory: the stored images (as the fleet last read them) by
 * image digest, and the patches by id.
 */
export class DeltaService implements DeltaOffers {
  private readonly patches: DeltaPatchIndex;
  private readonly states = new Map<string, DeltaBuildState>();
  /** Failed pairs that may be built again when asked, from this time (epoch ms) on. */
  private readonly retryAt = new Map<string, number>();
  private readonly builds = new Map<string, Promise<DeltaBuildOutcome>>();
  private readonly outcomes = new Map<DeltaBuildOutcome, number>();
  /** Builds reading their files or running now, and those waiting for their turn. */
  private building = 0;
  private readonly turns: Array<() => void> = [];
  private stored: readonly UpdateFile[] = [];
  /** Stored images by appended SHA-256, then by file SHA-256 (two paths, same bytes: one file). */
  private byImageDigest = new Map<string, Map<string, UpdateFile>>();
  private bySha = new Map<string, UpdateFile>();
  private readonly unsubscribe: Array<() => void>;
  private pruning: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly parts: DeltaServiceParts,
    private readonly settings: DeltaSettings,
  ) {
    this.patches = new DeltaPatchIndex({
      patches: parts.patches,
      catalog: parts.catalog,
      logger: parts.logger,
      knownFile: (sha256) => this.bySha.get(sha256),
    });
    this.unsubscribe = [
      parts.fleet.watchImages((files) => this.noteFiles(files)),
      parts.feed.subscribe((change) => this.heard(change)),
    ];
  }

  /** Reads the stored patches (the index) before the first offer. */
  static async open(parts: DeltaServiceParts, settings: DeltaSettings): Promise<DeltaService> {
    const service = new DeltaService(parts, settings);
    try {
      await service.reload();
    } catch (error) {
      // The patches cannot be read now: the server serves full images until the next reload.
      parts.logger.warn('the stored delta patches could not be read; none offered until they can', { error });
    }
    return service;
  }

  // ---- DeltaOffers (the device path) --------------------------------------------------------

  offerFor(target: UpdateFile, format: DeltaFormatId, baseImageSha256: string): DeltaPatchInfo | undefined {
    if (!this.settings.enabled || format !== EDO1_HS8_7) return undefined;
    const base = this.baseByDigest(baseImageSha256);
    if (base === undefined || base.sha256 === target.sha256 || !isPatchable(target)) return undefined;
    const id = deltaPatchId({ targetSha256: target.sha256, baseSha256: base.sha256, format });
    const patch = this.patches.get(id);
    if (patch === undefined) {
      this.ask(base, target, 'a device asked');
      return undefined;
    }
    // Signed images: the patch is for the base file's exact bytes; its header's digest must be
    // the one the device reports and the stored base's, or the device would be sent a patch
    // that its own check refuses.
    if (patch.baseImageSha256 !== baseImageSha256) return undefined;
    if (patch.size >= this.settings.maxRatio * patch.targetSize) return undefined;
    return patch;
  }

  async open(id: string): Promise<{ readonly patch: DeltaPatchInfo; readonly blob: OpenedBlob } | undefined> {
    // A patch another server made and offered may reach this one before its listing is read again.
    const patch = this.patches.get(id) ?? (await this.readUnlisted(id));
    if (patch === undefined) return undefined;
    const blob = await this.parts.patches.open(id);
    if (blob === undefined) return undefined;
    // The download's length and ETag describe the bytes opened: the pair may have been made again
    // (by another server) since this server read the patch's facts.
    return { patch: { ...patch, size: blob.info.size, createdAt: blob.info.modifiedAt.getTime() }, blob };
  }

  /** A stored patch missing from the index, between two stored files this server knows; else undefined. */
  private async readUnlisted(id: string): Promise<DeltaPatchInfo | undefined> {
    const key = parseDeltaPatchId(id);
    // Only pairs of known files touch the store: a made-up id costs no storage request.
    if (key === undefined || !this.bySha.has(key.targetSha256) || !this.bySha.has(key.baseSha256)) return undefined;
    const patch = await this.patches.read(id);
    if (patch !== undefined) this.patches.note(patch);
    return patch;
  }

  // ---- what triggers builds ------------------------------------------------------------------

  /** An image was stored through this server: patches to it from its recent and running bases. */
  fileStored(file: UpdateFile): void {
    this.pruneLater();
    if (!this.settings.enabled || !isPatchable(file)) return;
    for (const base of this.basesFor(file)) this.ask(base, file, 'uploaded');
  }

  /** A file was deleted through this server: the patches from or to it go. */
  fileDeleted(): void {
    this.pruneLater();
  }

  /** Prunes in the background, one prune after another. */
  private pruneLater(): void {
    this.pruning = this.pruning
      .then(() => this.prune())
      .catch((error: unknown) => this.parts.logger.warn('delta patches could not be pruned', { error }));
  }

  /** A rollout to `path` started: the devices it will reach run the bases chosen for it. */
  async rolloutStarted(path: string): Promise<void> {
    if (!this.settings.enabled) return;
    const target = await this.parts.catalog.get(path as UpdateFilePath);
    if (target === undefined || !isPatchable(target)) return;
    for (const base of this.basesFor(target)) this.ask(base, target, 'a rollout started');
  }

  // ---- what operators do ---------------------------------------------------------------------

  /**
   * Builds the patch from `basePath` to `targetPath` now (again, whatever was remembered of the
   * pair), waiting for it. Throws `file-not-found`, `not-an-image`, `delta-not-smaller` or
   * `delta-build-failed`.
   */
  async make(basePath: UpdateFilePath, targetPath: UpdateFilePath): Promise<DeltaPatchView> {
    const [base, target] = await Promise.all([this.parts.catalog.get(basePath), this.parts.catalog.get(targetPath)]);
    for (const [path, file] of [
      [basePath, base],
      [targetPath, target],
    ] as const) {
      if (file === undefined) throw new DomainError('file-not-found', `no file stored at ${path}`);
      if (!isPatchable(file))
        throw new DomainError(
          'not-an-image',
          `${path} is not an ESP-IDF application image with its SHA-256 appended: patches are made between such images only`,
        );
    }
    if (base === undefined || target === undefined) throw new Error('unreachable');
    if (base.sha256 === target.sha256)
      throw new DomainError('invalid-request', `${basePath} and ${targetPath} hold the same bytes: no patch needed`);
    if (!this.settings.enabled)
      throw new DomainError('delta-build-failed', 'delta patches are turned off (FUOTA_DELTA=false)');
    const digest = base.image?.appendedSha256 as string;
    if ((this.byImageDigest.get(digest)?.size ?? 0) > 1)
      throw new DomainError(
        'delta-base-ambiguous',
        `${basePath}'s image digest ${digest} is also another stored file's: a device running it cannot be told apart, so no patch from it is offered`,
      );
    const id = this.idOf(base, target);
    await this.builds.get(id)?.catch(() => undefined);
    if (!this.patches.has(id)) {
      this.states.delete(id);
      await this.build(base, target, 'an operator asked');
    }
    const patch = this.patches.get(id);
    if (patch !== undefined && patch.size >= this.settings.maxRatio * patch.targetSize)
      throw new DomainError(
        'delta-not-smaller',
        `the stored patch from ${basePath} to ${targetPath} is ${patch.size} bytes, ${((patch.size / patch.targetSize) * 100).toFixed(1)}% of the target's ${patch.targetSize}: not offered (FUOTA_DELTA_MAX_RATIO=${this.settings.maxRatio})`,
      );
    if (patch !== undefined) return this.view(patch);
    const state = this.states.get(id);
    if (state?.state === 'not-smaller')
      throw new DomainError(
        'delta-not-smaller',
        `the patch from ${basePath} to ${targetPath} ${state.detail}: not kept (FUOTA_DELTA_MAX_RATIO=${this.settings.maxRatio})`,
      );
    throw new DomainError(
      'delta-build-failed',
      `the patch from ${basePath} to ${targetPath} could not be made: ${state?.detail ?? 'unknown'}`,
    );
  }

  /**
   * Removes a stored patch, also one whose files are gone (not offered, and not yet pruned). This
   * server builds the pair again only when an operator asks, or on a new upload or rollout to its
   * target; another server (or this one after a restart) may build it when a device asks for it.
   */
  async remove(id: string): Promise<DeltaPatchView> {
    const patch = this.patches.get(id) ?? (await this.patches.read(id)) ?? (await this.patches.readOrphan(id));
    if (patch === undefined) throw new DomainError('delta-not-found', `no delta patch ${id}`);
    const view = this.view(patch);
    await this.parts.patches.delete(id);
    this.patches.forget(id);
    this.retryAt.delete(id);
    this.states.set(id, {
      baseSha256: patch.baseSha256,
      targetSha256: patch.targetSha256,
      state: 'removed',
      detail: 'removed by an operator',
      at: this.parts.now(),
    });
    this.parts.feed.announce({ kind: 'deltas' });
    return view;
  }

  /** Every stored patch, newest first. */
  list(): DeltaPatchView[] {
    return [...this.patches.values()].sort((a, b) => b.createdAt - a.createdAt).map((patch) => this.view(patch));
  }

  /** The patches to the file with SHA-256 `targetSha256`. */
  patchesTo(targetSha256: string): DeltaPatchView[] {
    return this.list().filter((patch) => patch.targetSha256 === targetSha256);
  }

  /** Builds under way, and pairs that gave no patch (this server's: remembered in memory). */
  buildStates(): Array<DeltaBuildState & { readonly basePath: string | null; readonly targetPath: string | null }> {
    return [...this.states.values()]
      .sort((a, b) => b.at - a.at)
      .map((state) => ({
        ...state,
        basePath: this.bySha.get(state.baseSha256)?.path ?? null,
        targetPath: this.bySha.get(state.targetSha256)?.path ?? null,
      }));
  }

  /** Builds finished since start, by outcome (fuota_delta_builds_total). */
  buildCounts(): ReadonlyMap<DeltaBuildOutcome, number> {
    return this.outcomes;
  }

  patchCount(): number {
    return this.patches.size;
  }

  /** Waits for the builds under way (tests, and a stop). */
  async settled(): Promise<void> {
    await this.pruning;
    while (this.builds.size > 0) await Promise.allSettled([...this.builds.values()]);
    await this.patches.reloaded();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.unsubscribe) stop();
    await this.parts.builder.close();
    // Those waiting for their turn end at once (as failures: a restart asks for them again).
    for (const next of this.turns.splice(0)) {
      this.building++;
      next();
    }
    await Promise.allSettled([...this.builds.values()]);
    await this.pruning;
    await this.patches.reloaded();
  }

  // ---- the index ----------------------------------------------------------------------------

  /** Reads the store's listing again (another server stored or removed a patch). */
  reload(): Promise<void> {
    return this.patches.reload();
  }

  /**
   * Removes the patches whose base or target file is no longer stored (deleted, or replaced by
   * other bytes), by a fresh read of the catalog after the listing: a patch listed was made
   * from files recorded before it, so a file missing from the later read is really gone.
   */
  async prune(): Promise<void> {
    const ids: string[] = [];
    for await (const id of this.parts.patches.list()) ids.push(id);
    const stored = new Set<string>();
    for await (const file of this.parts.catalog.list()) stored.add(file.sha256);
    let removed = 0;
    for (const id of ids) {
      const key = parseDeltaPatchId(id);
      if (key !== undefined && stored.has(key.targetSha256) && stored.has(key.baseSha256)) continue;
      if (await this.parts.patches.delete(id)) removed++;
      this.patches.forget(id);
    }
    for (const [id, state] of this.states) {
      if (!stored.has(state.baseSha256) || !stored.has(state.targetSha256)) {
        this.states.delete(id);
        this.retryAt.delete(id);
      }
    }
    if (removed > 0) {
      this.parts.logger.info('delta patches removed with their files', { removed });
      this.parts.feed.announce({ kind: 'deltas' });
    }
  }

  private heard(change: HeardChange): void {
    if (change.kind !== 'deltas' && change.kind !== 'resync') return;
    this.reload().catch((error: unknown) => {
      this.parts.logger.warn('delta patches changed by another server could not be read', { error });
    });
  }

  private noteFiles(files: readonly UpdateFile[]): void {
    const byDigest = new Map<string, Map<string, UpdateFile>>();
    const bySha = new Map<string, UpdateFile>();
    for (const file of files) {
      if (!bySha.has(file.sha256)) bySha.set(file.sha256, file);
      const digest = file.image?.appendedSha256;
      if (digest === undefined) continue;
      const same = byDigest.get(digest) ?? new Map<string, UpdateFile>();
      if (!same.has(file.sha256)) same.set(file.sha256, file);
      byDigest.set(digest, same);
    }
    this.stored = files;
    this.byImageDigest = byDigest;
    this.bySha = bySha;
  }

  /** The one stored file whose image has this digest; none when no file or several files have it. */
  private baseByDigest(imageSha256: string): UpdateFile | undefined {
    const files = this.byImageDigest.get(imageSha256);
    if (files === undefined || files.size !== 1) return undefined;
    return files.values().next().value;
  }

  private basesFor(target: UpdateFile): UpdateFile[] {
    const running = new Set<string>();
    for (const entry of this.parts.fleet.values()) {
      if (entry.image?.project === target.image?.projectName && entry.image?.chip === target.image?.chip)
        running.add(entry.runningVersion);
    }
    return chooseBases(target, this.stored, this.settings.bases, running, (digest) => {
      const files = this.byImageDigest.get(digest);
      return files !== undefined && files.size > 1;
    });
  }

  // ---- builds -------------------------------------------------------------------------------

  private idOf(base: UpdateFile, target: UpdateFile): string {
    return deltaPatchId({ targetSha256: target.sha256, baseSha256: base.sha256, format: EDO1_HS8_7 });
  }

  /** Starts a build of the pair unless it has a patch, a build under way, or a remembered outcome. */
  private ask(base: UpdateFile, target: UpdateFile, why: string): void {
    const id = this.idOf(base, target);
    if (this.closed || this.patches.has(id) || this.builds.has(id)) return;
    if (this.states.has(id) && !(this.parts.now() >= (this.retryAt.get(id) ?? Infinity))) return;
    void this.build(base, target, why);
  }

  /** Builds the pair (one build per pair at a time), stores a good patch, remembers the rest. */
  private build(base: UpdateFile, target: UpdateFile, why: string): Promise<DeltaBuildOutcome> {
    const id = this.idOf(base, target);
    const running = this.builds.get(id);
    if (running !== undefined) return running;
    this.retryAt.delete(id);
    this.states.set(id, {
      baseSha256: base.sha256,
      targetSha256: target.sha256,
      state: 'pending',
      detail: why,
      at: this.parts.now(),
    });
    const build = this.runBuild(id, base, target)
      .catch((error: unknown) => {
        this.parts.logger.warn('a delta patch build failed', { id, error });
        const detail = error instanceof Error ? error.message : String(error);
        return this.remember(id, base, target, 'failed', detail, { retry: true });
      })
      .finally(() => this.builds.delete(id));
    this.builds.set(id, build);
    return build;
  }

  /**
   * Builds take turns here, FUOTA_DELTA_CONCURRENCY at a time, before their files are read: a
   * queue of builds (a burst of uploads, each asking for several bases) holds no file bytes.
   */
  private async runBuild(id: string, base: UpdateFile, target: UpdateFile): Promise<DeltaBuildOutcome> {
    if (this.building >= this.settings.concurrency) await new Promise<void>((resolve) => this.turns.push(resolve));
    else this.building++;
    try {
      return await this.readAndBuild(id, base, target);
    } finally {
      const next = this.turns.shift();
      if (next === undefined) this.building--;
      else next();
    }
  }

  private async readAndBuild(id: string, base: UpdateFile, target: UpdateFile): Promise<DeltaBuildOutcome> {
    if (this.closed) return this.remember(id, base, target, 'failed', 'the server is stopping');
    const [baseBytes, targetBytes] = await Promise.all([
      wholeBlob(this.parts.files, base, this.parts.sha256),
      wholeBlob(this.parts.files, target, this.parts.sha256),
    ]);
    if (baseBytes === undefined || targetBytes === undefined) {
      return this.remember(
        id,
        base,
        target,
        'failed',
        'a file was replaced or deleted before the build could read it',
        { retry: true },
      );
    }
    const result = await this.parts.builder.build({
      base: baseBytes,
      target: targetBytes,
      baseImageSha256: base.image?.appendedSha256 as string,
    });
    if (result.kind === 'failed') {
      this.parts.logger.warn('a delta patch build failed', { id, fault: result.fault, detail: result.detail });
      const retry = result.fault === 'timeout' || result.fault === 'error';
      return this.remember(id, base, target, 'failed', `${result.fault}: ${result.detail}`, { retry });
    }
    const ratio = result.patch.length / target.size;
    if (ratio >= this.settings.maxRatio) {
      return this.remember(
        id,
        base,
        target,
        'not-smaller',
        `is ${result.patch.length} bytes, ${(ratio * 100).toFixed(1)}% of the target's ${target.size}`,
      );
    }
    const stored = await this.parts.patches.put(id, result.patch);
    this.patches.note({
      id,
      format: EDO1_HS8_7,
      baseSha256: base.sha256,
      baseImageSha256: base.image?.appendedSha256 as string,
      targetSha256: target.sha256,
      targetSize: target.size,
      size: stored.size,
      createdAt: stored.storedAt,
    });
    this.states.delete(id);
    this.retryAt.delete(id);
    this.count('stored');
    this.parts.logger.info('delta patch stored', { id, base: base.path, target: target.path, size: stored.size });
    this.parts.feed.announce({ kind: 'deltas' });
    return 'stored';
  }

  private remember(
    id: string,
    base: UpdateFile,
    target: UpdateFile,
    state: 'not-smaller' | 'failed',
    detail: string,
    options: { readonly retry: boolean } = { retry: false },
  ): DeltaBuildOutcome {
    const at = this.parts.now();
    this.states.set(id, { baseSha256: base.sha256, targetSha256: target.sha256, state, detail, at });
    if (options.retry) this.retryAt.set(id, at + DELTA_RETRY_AFTER_MS);
    this.count(state);
    return state;
  }

  private count(outcome: DeltaBuildOutcome): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  private view(patch: DeltaPatchInfo): DeltaPatchView {
    const base = this.bySha.get(patch.baseSha256);
    return {
      ...patch,
      basePath: base?.path ?? null,
      baseVersion: base?.image?.version ?? null,
      targetPath: this.bySha.get(patch.targetSha256)?.path ?? null,
      ratio: patch.size / patch.targetSize,
      offered: this.offerable(patch),
    };
  }

  /** What `offerFor` asks of a stored patch, for a device running its base. */
  private offerable(patch: DeltaPatchInfo): boolean {
    const target = this.bySha.get(patch.targetSha256);
    return (
      this.settings.enabled &&
      target !== undefined &&
      isPatchable(target) &&
      this.baseByDigest(patch.baseImageSha256)?.sha256 === patch.baseSha256 &&
      patch.size < this.settings.maxRatio * patch.targetSize
    );
  }
}
