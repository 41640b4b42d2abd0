import type { DeviceId } from '../../domain/device-id.js';
import type { AttemptSignal } from '../../domain/fleet/attempt-signal.js';
import { isFinalAttemptState } from '../../domain/fleet/attempt-state.js';
import { isDownloadState, mergedProgress } from '../../domain/fleet/progress-merge.js';
import { advanceAttempt, offerAttempt, reofferAttempt } from '../../domain/fleet/attempt-transitions.js';
import { DELTA_PATH_PREFIX, deltaPathOf, parseDeltaPath } from '../../domain/delta/delta-path.js';
import type { DeltaPatchInfo } from '../delta/delta-offers.js';
import { recordSighting, samePollShape } from '../../domain/fleet/device-sighting.js';
import type { FleetEvent, NewFleetEvent, NewLoggedEvent } from '../../domain/fleet/fleet-event.js';
import type { DeviceAuthKind, InventoryEntry, InventorySighting } from '../../domain/fleet/inventory-entry.js';
import { withUnwritten } from '../../domain/fleet/inventory-merge.js';
import type { AttemptRollout, DownloadAttribution, UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import { offerPathOf, parseOfferPath } from '../../domain/rollout/offer-path.js';
import type { NewRolloutEvent } from '../../domain/rollout/rollout-event.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { DeviceInventoryStore } from '../../ports/device-inventory-store.port.js';
import type { FleetEventLog } from '../../ports/fleet-event-log.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import type { UpdateFileCatalog } from '../../ports/update-file-catalog.port.js';
import { attemptEvent } from './attempt-event.js';
import type { DeviceSlot } from './device-slot.js';
import { deviceSlot } from './device-slot.js';
import type { FleetSettings } from './fleet-settings.js';
import { RecentOffers } from './recent-offers.js';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';
import { RunningImageIndex } from './running-image-index.js';
import { effectiveChange, normalizedTags, type OperatorChange } from './operator-change.js';

// The warnings of background writes and reads that fail while storage is out (RepeatedWarnings),
// each ended by a `recovered` line at the next success.
const INVENTORY_UNWRITTEN = 'the inventory could not be written; retrying';
const EVENTS_UNWRITTEN = 'fleet events could not be written; retrying';
const ATTEMPT_UNWRITTEN = 'an update attempt could not be written; retrying';
const IMAGES_UNREAD = 'the stored images could not be read for the inventory';

/**
 * How long close() waits for the downloads a stopping server cut to tell their bytes (they do
 * within a few turns of the event loop; a download that never tells is not waited for longer).
 */
const DOWNLOAD_END_WAIT_MS = 2_000;
/**
 * Reads of a stored attempt a download's progress makes before it is written as this server has
 * it: each failed replaceIf is another write of the same attempt in between (the device's
 * requests served at once), and the next try waits up to a few milliseconds, drawn, so that the
 * writers that met do not meet again.
 */
const SHARED_WRITE_TRIES = 32;
const SHARED_WRITE_BACKOFF_MS = 4;

/** Entries per inventory write when a batch is large (some 20 ms of applying each). */
const FLUSH_SLICE = 2000;

/** The fields a check that changed nothing else moves (see recordSighting). */
type PollFields = { -readonly [K in 'lastSeen' | 'polls' | 'pollIntervalMs']: InventoryEntry[K] };

/**
 * Checks taken for one write, by device (the same index in each list): what `settle` needs once
 * the write ends. The sightings themselves go to the store and are not held here: what a write
 * holds outlives young collections (it waits for an fsync), is moved into the old generation, and
 * is freed only by a full collection.
 */
interface TakenChecks {
  readonly slots: DeviceSlot[];
  readonly newPolls: number[];
  readonly pollOnly: boolean[];
}

/** Sightings for the store, and the checks they carry. */
interface TakenSightings {
  readonly checks: TakenChecks;
  readonly sightings: InventorySighting[];
}

/** One authenticated device check, as the device adapter answered it. */
export interface CheckRecord {
  readonly deviceId: DeviceId;
  readonly version: string;
  readonly address: string;
  readonly auth: DeviceAuthKind;
  /** 200, 204 or 404. */
  readonly status: number;
  /** The file a 200 named. */
  readonly offer?: UpdateFile;
  /** Whether the device has a seed row. */
  readonly assigned: boolean;
  /**
   * Fleet policy (rollouts), asked only when the answer offers nothing, once the poll has moved
   * the device's attempt: an offer makes the answer a 200 naming the offer's own path.
   */
  readonly policy?: FleetOfferPolicy;
  /**
   * The patch to offer instead of `file`, if any: given when the device asked for patches
   * (`delta=`), asked of whichever file the answer offers (the row's or fleet policy's).
   */
  readonly patchFor?: (file: UpdateFile) => DeltaPatchInfo | undefined;
}

/** Told of each change of an attempt, and whether this server made it or read it back (see watchAttempts). */
export type AttemptWatcher = (after: UpdateAttempt, before: UpdateAttempt | undefined, origin: 'made' | 'read') => void;

/** What fleet policy offers a polling device: a file, on behalf of a rollout's wave. */
export interface FleetOffer {
  readonly file: UpdateFile;
  readonly rollout: AttemptRollout;
  /** The device's open attempt, answered again (the same offer); null for a new one. */
  readonly repeatOf: string | null;
}

/**
 * Fleet policy wants the device but not now (not in the wave yet, over a cap, an update under
 * way): it is told 204 and polls again, even without a device row (which would be told 404).
 */
export const HOLD_BACK = 'hold-back';

/**
 * Decides for one poll, synchronously: what it decides (and counts against its caps) and the
 * attempt that records the offer are made in one turn, so concurrent polls cannot both pass a cap.
 * undefined: fleet policy has nothing for the device (the answer stays the device row's).
 */
export type FleetOfferPolicy = (device: {
  readonly entry: InventoryEntry | undefined;
  readonly attempt: UpdateAttempt | undefined;
  readonly at: number;
}) => FleetOffer | typeof HOLD_BACK | undefined;

/** How a check was recorded: the path a fleet policy's offer named, and what to wait for. */
export interface CheckOutcome {
  /** Fleet policy held the device back: the answer is 204 (see HOLD_BACK). */
  readonly heldBack?: true;
  /** The per-attempt path (see offer-path.ts) when fleet policy made or repeated an offer. */
  readonly offerPath?: string;
  /** The file that path names. */
  readonly offerFile?: UpdateFile;
  /** The patch the answer offers instead of the file (the row's or fleet policy's), as the attempt records it. */
  readonly patch?: DeltaPatchInfo;
  /** Resolves once what the check changed of an update attempt is durable; absent when nothing. */
  readonly written?: Promise<void>;
}

const NOTHING_TO_ADD: CheckOutcome = Object.freeze({});

/** One download request tied to an attempt: told the bytes it sent when it ends. */
export interface DownloadTrace {
  /** The request ended having sent the bytes `[start, end)` of the file. */
  ended(start: number, end: number): void;
}

export interface FleetStores {
  readonly inventory: DeviceInventoryStore;
  readonly attempts: UpdateAttemptStore;
  readonly events: FleetEventLog;
  readonly catalog: UpdateFileCatalog;
  readonly devices: DeviceAppRepository;
}

/** How soon a failed read of the seed rows' ids is tried again. */
const ASSIGNMENTS_RETRY_MS = 5_000;

/**
 * The fleet as the server sees it from checks and downloads alone: one inventory entry per
 * device, each device's current update attempt, and the events between them.
 *
 * It lives in memory. A check updates its entry at once and the entry reaches storage with the
 * next batch (at most `flushIntervalMs` later: a crash loses at most that much last-seen time).
 * An attempt's transition is written at once, and a check that caused one is answered only once
 * it is durable; so is every operator change. A background sweep marks downloaded attempts whose
 * device fell silent, writes the batch, and prunes old history.
 */
export class FleetTracker {
  /** Every device's entry and unwritten checks. */
  private readonly slots = new Map<DeviceId, DeviceSlot>();
  /**
   * The slots named for the next batch (`queued`), each once, in the order their checks came:
   * those with unwritten checks, and some with none left (written by an operator's change, or
   * forgotten), which the batch passes over.
   */
  private dirty: DeviceSlot[] = [];
  private readonly attempts = new Map<DeviceId, UpdateAttempt>();
  /** Devices whose attempt is `downloaded`: the only ones the silence sweep looks at. */
  private readonly downloaded = new Set<DeviceId>();
  /** Devices with a seed row; undefined until loaded (in the background, as it can be large). */
  private assignedIds: Set<DeviceId> | undefined;
  /** What changed while the seed rows were being read, applied after. */
  private readonly assignmentsWhileLoading = new Map<DeviceId, boolean>();
  /** How many times the seed rows' ids were read: which reading a slot's noted assignment was made in. */
  private assignmentsRead = 0;
  private pendingEvents: NewFleetEvent[] = [];
  /** Events of changes already durable whose append failed: the next batch appends them first. */
  private unwrittenEvents: NewLoggedEvent[] = [];
  private readonly offers: RecentOffers;
  /** The warnings of the batches and reads that fail again and again while storage is out. */
  private readonly warnings: RepeatedWarnings;
  private readonly images = new RunningImageIndex();
  private readonly listeners = new Set<(event: FleetEvent) => void>();
  private sortedIds: DeviceId[] | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Downloads told to have begun whose end (the bytes they served) is still to be told. */
  private openDownloads = 0;
  /** Ends close()'s wait for them, once the last one ended. */
  private lastDownloadEnded: (() => void) | undefined;
  private downloadsWait: Promise<void> | undefined;

  private constructor(
    private readonly stores: FleetStores,
    readonly settings: FleetSettings,
    private readonly logger: Logger,
    readonly now: () => number,
  ) {
    this.offers = new RecentOffers(settings.attributionWindowMs);
    this.warnings = new RepeatedWarnings(logger, now);
  }

  /** Loads the inventory and current attempts, then sweeps in the background until closed. */
  static async open(
    stores: FleetStores,
    settings: FleetSettings,
    logger: Logger,
    now: () => number = Date.now,
  ): Promise<FleetTracker> {
    const tracker = new FleetTracker(stores, settings, logger, now);
    for await (const entry of stores.inventory.list()) tracker.slots.set(entry.id, deviceSlot(entry));
    for await (const attempt of stores.attempts.recent(1)) {
      tracker.attempts.set(attempt.deviceId, attempt);
      if (attempt.state === 'downloaded') tracker.downloaded.add(attempt.deviceId);
      tracker.noteStoredOffer(attempt);
    }
    await tracker.refreshImages();
    tracker.loadAssignments();
    tracker.sweepTimer = setInterval(() => tracker.sweep(), settings.flushIntervalMs);
    tracker.sweepTimer.unref();
    tracker.pruneTimer = setInterval(() => void tracker.prune(), settings.pruneIntervalMs);
    tracker.pruneTimer.unref();
    return tracker;
  }

  // ---- what devices do -------------------------------------------------------------------

  /**
   * Records a check: its entry at once (written with the next batch), the move of the device's
   * attempt, and an offer (the device row's, or fleet policy's when the row offers nothing).
   */
  recordCheck(check: CheckRecord): CheckOutcome {
    // Answered as its row says, recorded at its next check: recorded now, its entry, attempt or
    // events would be deleted with the forgotten ones.
    if (this.forgetting.has(check.deviceId)) return NOTHING_TO_ADD;
    const at = this.now();
    const { deviceId, version } = check;
    const changed: UpdateAttempt[] = [];
    const transitions: NewFleetEvent[] = [];
    const current = this.attempts.get(deviceId);
    const slot = this.slots.get(deviceId);
    let latest = current;
    if (current !== undefined) {
      // An offer its rollout took back (halted or aborted) before anything was fetched ends
      // withdrawn at the device's next check, not download-failed: whichever server made the
      // offer, and whenever the rollout stopped (see judgeOffersWith).
      const standing =
        current.state === 'offered' && !this.offerStands(current)
          ? advanceAttempt(current, { kind: 'withdrawn', at }, this.settings.rules)
          : current;
      latest = advanceAttempt(standing, { kind: 'poll', at, version }, this.settings.rules);
      if (latest !== current) this.noteChange(current, latest, changed, transitions);
    }
    let status = check.status;
    let offer = status === 200 ? check.offer : undefined;
    let rollout: AttemptRollout | undefined;
    let offerPath: string | undefined;
    let heldBack = false;
    if (offer === undefined && check.policy !== undefined) {
      const fleetOffer = check.policy({ entry: slot?.entry, attempt: latest, at });
      if (fleetOffer === HOLD_BACK) {
        status = 204;
        heldBack = true;
      } else if (fleetOffer !== undefined) {
        status = 200;
        offer = fleetOffer.file;
        rollout = fleetOffer.rollout;
        if (fleetOffer.repeatOf !== null && latest?.id === fleetOffer.repeatOf) offerPath = offerPathOf(latest.id);
      }
    }
    this.recordSighting(slot, check, at, status, current);
    const patch = offer === undefined ? undefined : check.patchFor?.(offer);
    if (offer !== undefined) {
      // A patch download names the patch, not the file; a device that cannot use the patch
      // fetches the full image instead, and that download is its attempt's as well.
      if (patch === undefined) this.offers.add(check.address, deviceId, offer.path, at);
      else this.offers.add(check.address, deviceId, deltaPathOf(patch.id), at, offer.path);
      const offeredPatch = patch === undefined ? undefined : { id: patch.id, size: patch.size };
      const offeredVersion = offer.image?.version ?? null;
      const continues =
        latest !== undefined &&
        !isFinalAttemptState(latest.state) &&
        latest.file === offer.path &&
        latest.version === offeredVersion &&
        (latest.rollout?.id ?? null) === (rollout?.id ?? null);
      if (!continues) {
        if (latest !== undefined && latest.state === 'offered') {
          // Another offer takes its place before the device asked for it (a row assigned meanwhile,
          // another rollout): its path answers 404 from now on, so it is withdrawn, not left
          // offered for good. One write of it: the poll's change of it, if any, gives way.
          const replaced = advanceAttempt(latest, { kind: 'withdrawn', at }, this.settings.rules);
          const index = changed.indexOf(latest);
          if (index >= 0) changed.splice(index, 1);
          this.noteChange(latest, replaced, changed, transitions);
        }
        const started = offerAttempt({
          deviceId,
          file: offer.path,
          fileSize: offer.size,
          version: offeredVersion,
          fromVersion: version,
          at,
          address: check.address,
          ...(rollout === undefined ? {} : { rollout }),
          ...(offeredPatch === undefined ? {} : { patch: offeredPatch }),
        });
        this.noteChange(undefined, started, changed, transitions);
        latest = started;
      } else if (latest !== undefined) {
        const reoffered = reofferAttempt(latest, offeredPatch, at, check.address);
        if (reoffered !== latest) this.noteChange(latest, reoffered, changed, transitions);
        latest = reoffered;
      }
      if (rollout !== undefined && latest !== undefined) offerPath = offerPathOf(latest.id);
    }
    // An attempt whose last write failed is in memory only: a check that would answer from it
    // (the same offer again) writes it first, as the check that made it had to.
    if (changed.length === 0 && latest !== undefined && this.retryAttempts.has(deviceId)) changed.push(latest);
    const written = changed.length === 0 ? undefined : this.commit(changed, transitions);
    // Most checks: a poll that moved nothing and offers what the row offers.
    if (written === undefined && patch === undefined && !heldBack && offerPath === undefined) return NOTHING_TO_ADD;
    return {
      ...(offerPath === undefined || offer === undefined ? {} : { offerPath, offerFile: offer }),
      ...(patch === undefined ? {} : { patch }),
      ...(heldBack ? { heldBack } : {}),
      ...(written === undefined ? {} : { written }),
    };
  }

  /** The check's entry: in memory now, written with the next batch. */
  private recordSighting(
    slot: DeviceSlot | undefined,
    check: CheckRecord,
    at: number,
    status: number,
    attempt: UpdateAttempt | undefined,
  ): void {
    const { deviceId, version } = check;
    const previous = slot?.entry;
    // The image it was known to run, while it still reports that version: an offer of another
    // version that came to nothing must not make an image two products share unknown again.
    const known = previous?.runningVersion === version ? previous.image : null;
    const image = this.images.find(version, attempt?.file, known);
    const { entry, events } = recordSighting(previous, {
      deviceId,
      at,
      version,
      image,
      address: check.address,
      auth: check.auth,
      status,
    });
    let sighted = slot;
    if (sighted === undefined) {
      sighted = deviceSlot(entry);
      sighted.reshaped = true;
      this.slots.set(deviceId, sighted);
      this.sortedIds = undefined;
    } else if (samePollShape(sighted.entry, entry)) {
      // Only the poll fields moved: they are copied into the entry held, which stays. A new
      // object per check outlived young collections (a device checks again minutes later) and
      // left garbage in the old generation at the fleet's check rate. Readers of an entry read
      // it in one turn; one that reads it again later sees the later check.
      const held = sighted.entry as PollFields;
      held.lastSeen = entry.lastSeen;
      held.polls = entry.polls;
      held.pollIntervalMs = entry.pollIntervalMs;
    } else {
      sighted.entry = entry;
      sighted.reshaped = true;
    }
    this.addUnwritten(sighted, 1);
    if (events.length > 0) this.pendingEvents.push(...events);
    this.noteCheckedAssignment(sighted, check.assigned);
  }

  /**
   * The attempt an offer path (offer-path.ts) names, while it is its device's current one; an
   * older attempt's path names nothing (its device has polled since and been answered anew).
   */
  /** Whether an attempt's offer still stands (RolloutService.offerStands); every offer until told. */
  private offerStands: (attempt: UpdateAttempt) => boolean = () => true;

  /** How checks tell an offer its rollout took back (see recordCheck): the rollouts' judgement, until the returned function undoes it. */
  judgeOffersWith(offerStands: (attempt: UpdateAttempt) => boolean): () => void {
    this.offerStands = offerStands;
    return () => {
      if (this.offerStands === offerStands) this.offerStands = () => true;
    };
  }

  /**
   * Ends as `withdrawn` every current attempt of `rolloutId` still `offered` (nothing fetched of
   * it): its rollout halted or was aborted. Resolves once written; a failed write is retried by
   * the sweep, as any attempt's. Answers how many were taken back. Only where this server's
   * memory is every attempt's master copy: with other servers, its memory may be behind a
   * download another one began, and each check withdraws its own device's offer instead.
   */
  async withdrawOffers(rolloutId: string): Promise<number> {
    if (this.hasPeers()) return 0;
    const at = this.now();
    const changed: UpdateAttempt[] = [];
    const transitions: NewFleetEvent[] = [];
    for (const current of [...this.attempts.values()]) {
      if (current.rollout?.id !== rolloutId || current.state !== 'offered') continue;
      const next = advanceAttempt(current, { kind: 'withdrawn', at }, this.settings.rules);
      if (next !== current) this.noteChange(current, next, changed, transitions);
    }
    if (changed.length > 0) await this.commit(changed, transitions);
    return changed.length;
  }

  offeredAttempt(path: string): UpdateAttempt | undefined {
    const parsed = parseOfferPath(path);
    if (parsed === undefined) return undefined;
    const attempt = this.attempts.get(parsed.deviceId);
    return attempt?.id === parsed.attemptId ? attempt : undefined;
  }

  /**
   * As offeredAttempt, but an attempt newer than this server knows of the device (another server
   * sharing the storage may have offered it a moment ago) is looked for in storage first.
   */
  async findOfferedAttempt(path: string): Promise<UpdateAttempt | undefined> {
    const known = this.offeredAttempt(path);
    if (known !== undefined) return known;
    const parsed = parseOfferPath(path);
    if (parsed === undefined) return undefined;
    const current = this.attempts.get(parsed.deviceId);
    if (current !== undefined && current.id >= parsed.attemptId) return undefined;
    await this.reloadDevices([parsed.deviceId]);
    return this.offeredAttempt(path);
  }

  /**
   * Before a download that names no offer path, on a server sharing its storage with others:
   * the offer it follows may be another server's of a moment ago, its announcement not heard yet
   * (a device's check and its download may reach different instances or workers). Then the
   * attempt is read from storage, so that downloadRequested ties the download to it as to one of
   * this server's offers: with the device's own credential, its newest attempt; with the shared
   * one, the attempts not ended of that file or patch whose offer was answered to this address
   * within the attribution window (with the shared credential, read even when memory knows such
   * an offer: see below; with a device's own, not when memory has its open attempt).
   */
  async findOfferElsewhere(request: {
    readonly path: string;
    readonly deviceId: DeviceId | undefined;
    readonly address: string;
  }): Promise<void> {
    if (!this.hasPeers()) return;
    const { path, deviceId, address } = request;
    if (deviceId !== undefined) {
      if (this.isOpenFor(deviceId, path)) return;
      const [latest] = await this.stores.attempts.forDevice(deviceId, 1);
      if (latest !== undefined) this.takeAttempt(latest);
      return;
    }
    // Read even when this server knows an open offer of the file to that address: another device
    // behind it may have been offered it since by another server (the one this server knows may
    // be a whole download already), and the newest offer is the download's (RecentOffers.latest).
    const at = this.now();
    const patch = path.startsWith(DELTA_PATH_PREFIX) ? parseDeltaPath(path)?.patchId?.id : undefined;
    if (path.startsWith(DELTA_PATH_PREFIX) && patch === undefined) return;
    const since = at - this.settings.attributionWindowMs;
    const offer = patch === undefined ? { file: path } : { patchId: patch };
    for (const attempt of await this.stores.attempts.openOffers(offer, address, since)) this.takeAttempt(attempt);
  }

  /** Whether other servers share the storage now (told by FleetChanges; none until then). */
  private hasPeers: () => boolean = () => false;

  /** FleetChanges says here how to know whether other servers share the storage. */
  sharesStorage(hasPeers: () => boolean): void {
    this.hasPeers = hasPeers;
  }

  /**
   * Hears every change of an attempt (in memory, before it is written): rollouts count them.
   * `origin`: `made` by this server (a check, a download), or `read` back from storage (another
   * server's change, heard of after it was made there: what follows from it was done there).
   */
  watchAttempts(listener: AttemptWatcher): () => void {
    this.attemptWatchers.add(listener);
    return () => this.attemptWatchers.delete(listener);
  }

  private readonly attemptWatchers = new Set<AttemptWatcher>();

  /**
   * A download request for `path`: tied to the requesting device's attempt (its own credential)
   * or, with the shared credential, to the device offered that file from the same address most
   * recently (within the attribution window). Undefined when no open attempt is for that file.
   * A patch's path (`.delta/<id>`) is tied to the attempt that offered that patch, and its bytes
   * count as the patch's.
   */
  downloadRequested(request: {
    readonly path: string;
    readonly deviceId: DeviceId | undefined;
    readonly address: string;
    /** The device whose offer path (offer-path.ts) the request named: certain, whatever the credential. */
    readonly offeredTo?: DeviceId;
  }): DownloadTrace | undefined {
    const at = this.now();
    let deviceId: DeviceId | undefined;
    let attribution: DownloadAttribution;
    if (request.offeredTo !== undefined) {
      deviceId = request.offeredTo;
      attribution = 'direct';
    } else if (request.deviceId !== undefined) {
      deviceId = request.deviceId;
      attribution = 'direct';
    } else {
      deviceId = this.offers.latest(request.address, request.path, at, (candidate) =>
        this.isOpenFor(candidate, request.path),
      );
      attribution = 'inferred';
    }
    if (deviceId === undefined || !this.isOpenFor(deviceId, request.path)) return undefined;
    const attemptId = (this.attempts.get(deviceId) as UpdateAttempt).id;
    const form = request.path.startsWith(DELTA_PATH_PREFIX) ? 'patch' : 'full';
    this.signal(deviceId, attemptId, { kind: 'download-started', at, attribution, form });
    const device = deviceId;
    this.openDownloads += 1;
    let ended = false;
    return {
      ended: (start, end) => {
        if (ended) return;
        ended = true;
        this.signal(device, attemptId, { kind: 'bytes-served', at: this.now(), span: [start, end], form });
        this.openDownloads -= 1;
        if (this.openDownloads === 0) this.lastDownloadEnded?.();
      },
    };
  }

  /**
   * Resolves once every open download has told its end, or after `timeoutMs`. A stopping server
   * cuts the downloads still running, and each tells its bytes as its connection closes, a few
   * turns after the HTTP server stopped: told after close(), they were lost with the storage.
   */
  private downloadsEnded(timeoutMs: number): Promise<void> {
    if (this.openDownloads === 0) return Promise.resolve();
    // One wait, whoever asks (close() may be called again while it waits).
    this.downloadsWait ??= new Promise((resolve) => {
      const timer = setTimeout(() => this.lastDownloadEnded?.(), timeoutMs);
      this.lastDownloadEnded = () => {
        clearTimeout(timer);
        this.lastDownloadEnded = undefined;
        this.downloadsWait = undefined;
        resolve();
      };
    });
    return this.downloadsWait;
  }

  // ---- what operators see and do -----------------------------------------------------------

  /**
   * The device's entry as held: later checks update its poll fields (last seen, polls, interval)
   * in place (see recordSighting), so whatever must not change keeps a copy. So do values().
   */
  entry(deviceId: DeviceId): InventoryEntry | undefined {
    return this.slots.get(deviceId)?.entry;
  }

  currentAttempt(deviceId: DeviceId): UpdateAttempt | undefined {
    return this.attempts.get(deviceId);
  }

  /** Whether the device has a seed row; before the rows are loaded, whether its last check found one. */
  isAssigned(entry: InventoryEntry): boolean {
    return this.assignedIds !== undefined ? this.assignedIds.has(entry.id) : entry.lastStatus !== 404;
  }

  /** Told by the use cases that write seed rows. */
  noteAssignment(deviceId: DeviceId, assigned: boolean): void {
    const slot = this.slots.get(deviceId);
    if (slot !== undefined) slot.notedIn = 0;
    this.setAssignment(deviceId, assigned);
  }

  /** What a check found of the device's seed row; the same as its last check found needs nothing. */
  private noteCheckedAssignment(slot: DeviceSlot, assigned: boolean): void {
    const loaded = this.assignedIds !== undefined;
    if (loaded && slot.notedIn === this.assignmentsRead && slot.notedAssigned === assigned) return;
    this.setAssignment(slot.entry.id, assigned);
    slot.notedIn = loaded ? this.assignmentsRead : 0;
    slot.notedAssigned = assigned;
  }

  private setAssignment(deviceId: DeviceId, assigned: boolean): void {
    if (this.assignedIds === undefined) this.assignmentsWhileLoading.set(deviceId, assigned);
    else if (assigned) this.assignedIds.add(deviceId);
    else this.assignedIds.delete(deviceId);
  }

  /** Every device id, ascending (a stable order for paging). */
  ids(): readonly DeviceId[] {
    this.sortedIds ??= [...this.slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedIds;
  }

  size(): number {
    return this.slots.size;
  }

  *values(): IterableIterator<InventoryEntry> {
    for (const slot of this.slots.values()) yield slot.entry;
  }

  currentAttempts(): IterableIterator<UpdateAttempt> {
    return this.attempts.values();
  }

  attemptHistory(deviceId: DeviceId, limit: number): Promise<UpdateAttempt[]> {
    return this.stores.attempts.forDevice(deviceId, limit);
  }

  latestEvents(deviceId: DeviceId, limit: number): Promise<FleetEvent[]> {
    return this.stores.events.latest(deviceId, limit);
  }

  get eventLog(): FleetEventLog {
    return this.stores.events;
  }

  /**
   * Changes an entry's operators' fields and resolves with the entry once durable (undefined for
   * a device never seen). `who` names the operator in the event. One device's changes are made
   * one at a time, each on the entry the one before it left (see `changeFrom`).
   */
  change(deviceId: DeviceId, change: OperatorChange, who: string): Promise<InventoryEntry | undefined> {
    return this.inTurn(deviceId, async () => (await this.changeNow(deviceId, () => change, who))?.entry);
  }

  /**
   * A change worked out from the entry as it is when the change is made: `decide` returns the
   * fields to set, or undefined for none, and may throw to refuse. It is given the operators'
   * fields as stored at that moment, in the storage's one step with the write (another server's
   * change made meanwhile included), and this server's view of the rest. Two operators adding a
   * tag each at once, on one server or two, both keep theirs; worked out from what each read
   * before the other's write, one would drop the other's. Resolves with the entry and whether it
   * changed, or undefined for a device never seen (or forgotten meanwhile).
   */
  changeFrom(
    deviceId: DeviceId,
    decide: (entry: InventoryEntry) => OperatorChange | undefined,
    who: string,
  ): Promise<{ readonly entry: InventoryEntry; readonly changed: boolean } | undefined> {
    return this.inTurn(deviceId, () => this.changeNow(deviceId, decide, who));
  }

  /** Runs `work` after every operator's change of the device asked for before it has ended. */
  private inTurn<T>(deviceId: DeviceId, work: () => Promise<T>): Promise<T> {
    const before = this.operatorTurns.get(deviceId);
    const run = before === undefined ? work() : before.then(work);
    const ended = run.then(
      () => undefined,
      () => undefined,
    );
    this.operatorTurns.set(deviceId, ended);
    void ended.then(() => {
      if (this.operatorTurns.get(deviceId) === ended) this.operatorTurns.delete(deviceId);
    });
    return run;
  }

  private async changeNow(
    deviceId: DeviceId,
    decide: (entry: InventoryEntry) => OperatorChange | undefined,
    who: string,
  ): Promise<{ readonly entry: InventoryEntry; readonly changed: boolean } | undefined> {
    const slot = this.slots.get(deviceId);
    if (slot === undefined) return undefined;
    // A device first seen moments ago may not be stored yet: its sighting goes first.
    if (slot.writing > 0) await Promise.allSettled([this.flushing, ...this.inFlight]);
    const latest = this.slots.get(deviceId);
    if (latest !== undefined && latest.unwritten > 0) await this.writeSightings([latest]);
    let change: OperatorChange | undefined;
    let tags: string[] | undefined;
    const stored = await this.stores.inventory.updateOperatorFields(deviceId, (fields) => {
      const seen = this.slots.get(deviceId)?.entry;
      if (seen === undefined) return undefined; // forgotten meanwhile
      const now = { ...seen, ...fields };
      const asked = decide(now);
      change = asked === undefined ? undefined : effectiveChange(asked, now);
      if (change === undefined) return undefined;
      tags = change.tags === undefined ? undefined : normalizedTags(change.tags);
      return {
        ...(tags === undefined ? {} : { tags }),
        ...(change.hold === undefined ? {} : { hold: change.hold }),
        ...(change.note === undefined ? {} : { note: change.note }),
      };
    });
    // Forgotten meanwhile, here or by another server.
    const current = this.slots.get(deviceId);
    if (stored === undefined || current === undefined) return undefined;
    // As stored: the operators' fields (another server's changes to the others included), and
    // the checks, with what this server has not written on top; while a write of its checks is
    // under way, the stored checks may or may not hold it, so only the operators' fields are taken.
    current.entry =
      current.writing > 0
        ? { ...current.entry, tags: stored.tags, hold: stored.hold, note: stored.note }
        : this.merged(stored, current);
    if (change === undefined) return { entry: current.entry, changed: false };
    const detail: Record<string, string | boolean> = { by: who };
    if (tags !== undefined) detail.tags = stored.tags.join(',');
    if (change.hold !== undefined) detail.hold = stored.hold;
    if (change.note !== undefined) detail.note = stored.note;
    this.announceWritten([deviceId]);
    // The device's checks' events still waiting for the batch go first, so that its timeline, and
    // the log's order, read as things happened: when their entries are written (above), that is,
    // not those of a check that came while the change was made (they wait for the batch).
    const earlier = current.unwritten === 0 && current.writing === 0 ? this.takePendingEvents(new Set([deviceId])) : [];
    // The change is made: an event that cannot be written now does not undo it (nor its audit).
    await this.appendAfterChange([...earlier, { at: this.now(), deviceId, type: 'device-changed', detail }]);
    const entry = this.slots.get(deviceId)?.entry;
    return entry === undefined ? undefined : { entry, changed: true };
  }

  /** Hears every device forgotten (rollouts stop counting its open attempt). */
  watchForgotten(listener: (deviceId: DeviceId) => void): () => void {
    this.forgetWatchers.add(listener);
    return () => this.forgetWatchers.delete(listener);
  }

  private readonly forgetWatchers = new Set<(deviceId: DeviceId) => void>();
  /** Per device, the end of the last operator's change asked for (see `inTurn`). */
  private readonly operatorTurns = new Map<DeviceId, Promise<void>>();

  /**
   * Forgets a device's entry, attempts and events (not its seed row); false when never seen.
   * A check of the device while it is being forgotten is not recorded (see recordCheck). A forget
   * cut off midway (a crash, a full disk) leaves attempts or events behind: asking again finds
   * them and finishes it, here or after a restart.
   */
  async forget(deviceId: DeviceId): Promise<boolean> {
    const slot = this.slots.get(deviceId);
    if (slot === undefined && !(await this.holdsTraces(deviceId))) return false;
    this.forgetting.add(deviceId);
    try {
      await this.forgetNow(deviceId, slot);
    } finally {
      this.forgetting.delete(deviceId);
    }
    return true;
  }

  /** Devices being forgotten now. */
  private readonly forgetting = new Set<DeviceId>();

  private async forgetNow(deviceId: DeviceId, slot: DeviceSlot | undefined): Promise<void> {
    for (const watcher of this.forgetWatchers) watcher(deviceId);
    if (slot !== undefined) slot.gone = true;
    this.slots.delete(deviceId);
    this.attempts.delete(deviceId);
    this.downloaded.delete(deviceId);
    this.retryAttempts.delete(deviceId);
    this.sortedIds = undefined;
    this.pendingEvents = this.pendingEvents.filter((event) => event.deviceId !== deviceId);
    this.unwrittenEvents = this.unwrittenEvents.filter((event) => event.deviceId !== deviceId);
    await this.stores.inventory.delete(deviceId);
    await this.stores.attempts.deleteDevice(deviceId);
    await this.stores.events.deleteDevice(deviceId);
    this.announceWritten([deviceId]);
  }

  /** Whether storage holds anything of a device memory does not know: an entry, attempts, events. */
  private async holdsTraces(deviceId: DeviceId): Promise<boolean> {
    return (
      (await this.stores.inventory.getMany([deviceId])).length > 0 ||
      (await this.stores.attempts.forDevice(deviceId, 1)).length > 0 ||
      (await this.stores.events.latest(deviceId, 1)).length > 0
    );
  }

  /** Hears every event once it is durable; returns the way to stop. */
  subscribe(listener: (event: FleetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears the stored files now and after every refresh (rollouts keep their images' facts). */
  watchImages(listener: (files: readonly UpdateFile[]) => void): () => void {
    this.imageWatchers.add(listener);
    listener(this.storedImages);
    return () => this.imageWatchers.delete(listener);
  }

  private readonly imageWatchers = new Set<(files: readonly UpdateFile[]) => void>();
  private storedImages: readonly UpdateFile[] = [];

  /**
   * Appends events of a change made elsewhere, durable already (a rollout's), to the log, and
   * tells the live views once durable. Never rejects: events that cannot be written now are
   * appended with the next batch (see appendAfterChange).
   */
  publish(events: readonly NewRolloutEvent[]): Promise<void> {
    return this.appendAfterChange(events);
  }

  /**
   * Appends the events of a change already durable. When that fails (a full disk, an outage),
   * the change stands, answered as made and audited: its events are appended before the next
   * batch's, as checks' events are, rather than lost or reported as the change's failure.
   */
  private async appendAfterChange(events: readonly NewLoggedEvent[]): Promise<void> {
    try {
      await this.appendEvents(events);
      this.warnings.recovered(EVENTS_UNWRITTEN);
    } catch (error) {
      this.unwrittenEvents.push(...events);
      // The same warning as the batch's: either's next success ends it.
      this.warnings.warn(EVENTS_UNWRITTEN, { error, events: events.length });
    }
  }

  /** The stored images' versions changed (an upload or a deletion). */
  async refreshImages(): Promise<void> {
    // The upload or deletion that asks has succeeded: a catalog that cannot be read now leaves
    // the inventory's image facts as they were (logged), rather than failing that answer.
    try {
      const files: UpdateFile[] = [];
      for await (const file of this.stores.catalog.list()) files.push(file);
      this.images.replace(files);
      this.storedImages = files;
      for (const watcher of this.imageWatchers) watcher(files);
      this.warnings.recovered(IMAGES_UNREAD);
    } catch (error) {
      this.warnings.warn(IMAGES_UNREAD, { error });
    }
  }

  /** Writes what is pending and stops the background work. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.pruneTimer);
    await this.downloadsEnded(DOWNLOAD_END_WAIT_MS);
    await Promise.allSettled([...this.inFlight]);
    await this.flushing;
    await this.flush();
    const retries = [...this.retryAttempts].flatMap((id) => {
      const attempt = this.attempts.get(id);
      return attempt === undefined ? [] : [attempt];
    });
    if (retries.length > 0) await this.commit(retries, []).catch(() => {});
  }

  /**
   * Resolves once every write of attempts under way has ended: a download's progress on a server
   * sharing its storage is merged into the stored attempt after memory counts it (commitProgress).
   */
  async writesSettled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Writes the pending batch now (tests, and the sweep). */
  async flush(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing;
    const slots = this.dirty;
    const events = this.pendingEvents;
    const unwritten = this.unwrittenEvents;
    if (slots.length === 0 && events.length === 0 && unwritten.length === 0) return;
    this.dirty = [];
    this.pendingEvents = [];
    this.unwrittenEvents = [];
    // The events are appended first, numbered at once (the logs number an append when it is
    // called): a transition committed while the inventory is being written comes after them.
    const appending: readonly NewLoggedEvent[] = unwritten.length === 0 ? events : [...unwritten, ...events];
    const appended =
      appending.length === 0
        ? undefined
        : this.appendEvents(appending).then(
            () => undefined,
            (error: unknown) => ({ error }),
          );
    this.flushing = (async () => {
      let tried = 0;
      try {
        // In slices: a write is applied in one go, and checks wait meanwhile. Each slice is read
        // from memory just before it is written, with the checks counted until then.
        for (; tried < slots.length; tried += FLUSH_SLICE) {
          const slice = slots.slice(tried, tried + FLUSH_SLICE);
          // A check from here on names its slot for the next batch.
          for (const slot of slice) slot.queued = false;
          await this.writeSightings(slice);
        }
        if (slots.length > 0) this.warnings.recovered(INVENTORY_UNWRITTEN);
      } catch (error) {
        // Their checks stay counted as unwritten: the next batch writes them (the failed write's
        // slots are named for it already; those of the slices not tried are named here).
        for (const slot of slots.slice(tried + FLUSH_SLICE)) {
          if (slot.unwritten > 0 && !slot.gone) this.dirty.push(slot);
          else slot.queued = false;
        }
        this.warnings.warn(INVENTORY_UNWRITTEN, { error, devices: slots.length });
      }
      const failed = await appended;
      if (failed !== undefined) {
        this.pendingEvents.unshift(...events);
        this.unwrittenEvents.unshift(...unwritten);
        this.warnings.warn(EVENTS_UNWRITTEN, {
          error: failed.error,
          events: appending.length,
        });
      } else if (appending.length > 0) this.warnings.recovered(EVENTS_UNWRITTEN);
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  // ---- other servers on the same storage ---------------------------------------------------

  /** Hears the devices whose entry or attempt this server wrote, other than by its batches. */
  watchWrites(listener: (deviceIds: readonly DeviceId[]) => void): () => void {
    this.writeWatchers.add(listener);
    return () => this.writeWatchers.delete(listener);
  }

  private readonly writeWatchers = new Set<(deviceIds: readonly DeviceId[]) => void>();

  /**
   * Reads back the entries last seen at or after `since`: other servers' checks (written in their
   * batches) join this server's view, with what this server has not written yet on top.
   */
  async absorbSeenSince(since: number): Promise<void> {
    await this.readingBack(async (absorb) => {
      for await (const stored of this.stores.inventory.seenSince(since)) absorb(stored);
    });
  }

  /** Reads these devices' entries and current attempts again: another server changed them. */
  async reloadDevices(deviceIds: readonly DeviceId[]): Promise<void> {
    const found = new Set<DeviceId>();
    await this.readingBack(async (absorb) => {
      for (const entry of await this.stores.inventory.getMany(deviceIds)) {
        found.add(entry.id);
        absorb(entry);
      }
    });
    // Forgotten by another server: forgotten here too, checks not written yet included (they
    // came before the forget; a check after it makes the device anew).
    for (const deviceId of deviceIds) if (!found.has(deviceId)) this.drop(deviceId);
    for (const deviceId of found) {
      const [latest] = await this.stores.attempts.forDevice(deviceId, 1);
      if (latest !== undefined) this.takeAttempt(latest);
    }
  }

  /** Reads every entry and current attempt again (the feed may have missed changes). */
  async resync(): Promise<void> {
    const seen = new Set<DeviceId>();
    await this.readingBack(async (absorb) => {
      for await (const stored of this.stores.inventory.list()) {
        seen.add(stored.id);
        absorb(stored);
      }
    });
    // A device first seen here while the list was read is not in it: kept while its checks are unwritten.
    for (const deviceId of [...this.slots.keys()]) {
      if (!seen.has(deviceId) && !this.hasPendingChecks(deviceId)) this.drop(deviceId);
    }
    for await (const attempt of this.stores.attempts.recent(1)) this.takeAttempt(attempt);
  }

  // ---- inside --------------------------------------------------------------------------------

  /** A stored entry as this server shows it: with the checks this server has not written on top. */
  private merged(stored: InventoryEntry, slot: DeviceSlot | undefined): InventoryEntry {
    if (slot === undefined) return stored;
    return withUnwritten(stored, slot.entry, slot.unwritten + slot.writing);
  }

  /**
   * Runs a read-back of stored entries, absorbing each as read, except those of devices this
   * server wrote while the read ran or is writing now: the read may or may not hold that write,
   * so the count would be doubled or go back. Those are read again next time.
   */
  private async readingBack(read: (absorb: (stored: InventoryEntry) => void) => Promise<void>): Promise<void> {
    const settled = new Set<DeviceId>();
    this.settleWatchers.add(settled);
    try {
      await read((stored) => {
        const slot = this.slots.get(stored.id);
        if (settled.has(stored.id) || (slot !== undefined && slot.writing > 0)) return;
        if (slot !== undefined) {
          slot.entry = this.merged(stored, slot);
          return;
        }
        this.slots.set(stored.id, deviceSlot(stored));
        this.sortedIds = undefined;
      });
    } finally {
      this.settleWatchers.delete(settled);
    }
  }

  /** The devices whose writes settled during each read-back under way (see readingBack). */
  private readonly settleWatchers = new Set<Set<DeviceId>>();

  /**
   * An attempt read back: taken when it is newer than the one in memory (a later offer, or a later
   * move), or with `force` (what a merge of this server's download progress just wrote).
   */
  private takeAttempt(read: UpdateAttempt, force = false): void {
    const current = this.attempts.get(read.deviceId);
    const newer =
      force ||
      current === undefined ||
      read.id > current.id ||
      (read.id === current.id && read.updatedAt > current.updatedAt);
    if (!newer) return;
    const stored = current?.id === read.id && this.hasPeers() ? withProgressKept(read, current) : read;
    this.attempts.set(stored.deviceId, stored);
    if (stored.state === 'downloaded') this.downloaded.add(stored.deviceId);
    else this.downloaded.delete(stored.deviceId);
    this.noteStoredOffer(stored);
    const before = current?.id === stored.id ? current : undefined;
    for (const watcher of this.attemptWatchers) {
      try {
        watcher(stored, before, 'read');
      } catch (error) {
        this.logger.warn('an attempt watcher failed', { error });
      }
    }
  }

  /**
   * A stored attempt's offer (another server's, or one made before a restart), as this server's
   * own offers are noted, at the time it was last answered: a download with the shared credential
   * from the address it was answered to is then tied to it here too. While `offered`, its last
   * change is that answer (a first offer, or one again to another address or in another form);
   * after, only its first offer is known (a download elsewhere must not make it newer than a
   * later offer to another device at the same address). Not an attempt ended, nor one answered
   * before the attribution window.
   */
  private noteStoredOffer(attempt: UpdateAttempt): void {
    if (attempt.offerAddress === null || isFinalAttemptState(attempt.state)) return;
    const answeredAt = attempt.state === 'offered' ? attempt.updatedAt : attempt.offeredAt;
    if (this.now() - answeredAt > this.settings.attributionWindowMs) return;
    const { offerAddress, deviceId, file, patchId } = attempt;
    if (patchId === null) this.offers.add(offerAddress, deviceId, file, answeredAt);
    else this.offers.add(offerAddress, deviceId, deltaPathOf(patchId), answeredAt, file);
  }

  private hasPendingChecks(deviceId: DeviceId): boolean {
    const slot = this.slots.get(deviceId);
    return slot !== undefined && (slot.unwritten > 0 || slot.writing > 0);
  }

  /** Counts checks as unwritten, naming the slot for the next batch unless it is named already. */
  private addUnwritten(slot: DeviceSlot, checks: number): void {
    if (!slot.queued) {
      slot.queued = true;
      this.dirty.push(slot);
    }
    slot.unwritten += checks;
  }

  /** A device forgotten by another server: gone from memory as if forgotten here. */
  private drop(deviceId: DeviceId): void {
    const slot = this.slots.get(deviceId);
    if (slot === undefined) return;
    for (const watcher of this.forgetWatchers) watcher(deviceId);
    slot.gone = true;
    this.slots.delete(deviceId);
    this.attempts.delete(deviceId);
    this.downloaded.delete(deviceId);
    this.retryAttempts.delete(deviceId);
    this.sortedIds = undefined;
  }

  private announceWritten(deviceIds: readonly DeviceId[]): void {
    for (const watcher of this.writeWatchers) {
      try {
        watcher(deviceIds);
      } catch (error) {
        this.logger.warn('a write watcher failed', { error });
      }
    }
  }

  /**
   * The devices' sightings as in memory now, with their checks not written yet, which are taken
   * into `writing`: two writes under way never carry the same check. `settle` tells the outcome.
   */
  private takeSightings(slots: readonly DeviceSlot[]): TakenSightings {
    const taken: TakenSightings = { checks: { slots: [], newPolls: [], pollOnly: [] }, sightings: [] };
    for (const slot of slots) {
      const newPolls = slot.unwritten;
      if (newPolls === 0 || slot.gone) continue;
      slot.unwritten = 0;
      slot.writing += newPolls;
      const pollOnly = !slot.reshaped;
      slot.reshaped = false;
      const entry = slot.entry;
      taken.checks.slots.push(slot);
      taken.checks.newPolls.push(newPolls);
      taken.checks.pollOnly.push(pollOnly);
      // Written out field by field: one object of one shape per device and batch.
      taken.sightings.push({
        id: entry.id,
        firstSeen: entry.firstSeen,
        lastSeen: entry.lastSeen,
        runningVersion: entry.runningVersion,
        image: entry.image,
        address: entry.address,
        auth: entry.auth,
        pollIntervalMs: entry.pollIntervalMs,
        lastStatus: entry.lastStatus,
        newPolls,
        pollOnly,
      });
    }
    return taken;
  }

  /**
   * Takes the slots' sightings and hands them to the store, keeping only their checks for
   * `settle`: an async function holds every local across its awaits, sightings included.
   */
  private startWritingSightings(slots: readonly DeviceSlot[]): { checks: TakenChecks; written: Promise<void> } {
    const { checks, sightings } = this.takeSightings(slots);
    let written: Promise<void>;
    try {
      written = sightings.length === 0 ? Promise.resolve() : this.stores.inventory.recordSightings(sightings);
    } catch (error) {
      // A store that throws instead of rejecting: its checks are settled as not written all the same.
      written = Promise.reject(error);
    }
    return { checks, written };
  }

  /** A write of taken sightings ended: their checks are written, or unwritten again. */
  private settle(taken: TakenChecks, durable: boolean): void {
    taken.slots.forEach((slot, i) => {
      const id = slot.entry.id;
      const newPolls = taken.newPolls[i] as number;
      const pollOnly = taken.pollOnly[i] as boolean;
      for (const watcher of this.settleWatchers) watcher.add(id);
      slot.writing -= newPolls;
      if (durable) return;
      // A device forgotten meanwhile has nothing to write any more, unless it checked again since.
      const current = slot.gone ? this.slots.get(id) : slot;
      if (current === undefined) return;
      if (!pollOnly) current.reshaped = true;
      this.addUnwritten(current, newPolls);
    });
  }

  /** Writes the devices' sightings; their checks count as written once it is durable. */
  private async writeSightings(slots: readonly DeviceSlot[]): Promise<void> {
    const { checks, written } = this.startWritingSightings(slots);
    try {
      await written;
    } catch (error) {
      this.settle(checks, false);
      throw error;
    }
    this.settle(checks, true);
  }

  /** Whether the device's attempt is open and offered `path`: its file, or the patch it named. */
  private isOpenFor(deviceId: DeviceId, path: string): boolean {
    const attempt = this.attempts.get(deviceId);
    return (
      attempt !== undefined &&
      !isFinalAttemptState(attempt.state) &&
      (attempt.file === path || (attempt.patchId !== null && path === deltaPathOf(attempt.patchId)))
    );
  }

  /** Applies a download's signal to the device's attempt if it is still the one the download began on. */
  private signal(deviceId: DeviceId, attemptId: string, signal: AttemptSignal): void {
    if (this.forgetting.has(deviceId)) return;
    const current = this.attempts.get(deviceId);
    if (current === undefined || current.id !== attemptId) return;
    const next = advanceAttempt(current, signal, this.settings.rules);
    if (next === current) return;
    const changed: UpdateAttempt[] = [];
    const transitions: NewFleetEvent[] = [];
    this.noteChange(current, next, changed, transitions);
    const shared = this.hasPeers() && (signal.kind === 'download-started' || signal.kind === 'bytes-served');
    (shared ? this.commitProgress(next, transitions) : this.commit(changed, transitions)).catch(() => {});
  }

  /**
   * `commit`, for a download's change on a server sharing its storage with others: a device's
   * Range requests reach whichever server, each serving part of the file, and this server's copy
   * of the attempt may be behind. Its progress is merged into the attempt as stored
   * (mergedProgress) and written only while that is still so (replaceIf; read again otherwise).
   * Written whole, each server's copy overwrote what another had served meanwhile, and the
   * attempt never counted as downloaded: a rollback then read as a failed download, and the
   * rolled-back image was offered again (found by a new user). When the others' bytes made more
   * of it (the file whole), this server's copy takes that in too. An attempt storage no longer
   * holds as the device's newest (forgotten, replaced) is not written; after an outage, or too
   * many other writes in between, it is written as on a server alone.
   */
  private commitProgress(mine: UpdateAttempt, transitions: readonly NewFleetEvent[]): Promise<void> {
    return this.tracked(this.writeProgress(mine, transitions));
  }

  /** `work`, counted among the writes under way (close() and writesSettled() wait for them). */
  private tracked(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private async writeProgress(mine: UpdateAttempt, transitions: readonly NewFleetEvent[]): Promise<void> {
    let written: MergeResult | 'failed';
    try {
      written = await this.mergeIntoStored(mine);
    } catch (error) {
      this.logger.warn('a download could not be merged into the stored attempt; written as this server has it', {
        error,
      });
      written = 'failed';
    }
    if (written === 'failed') return this.commit([mine], transitions);
    // Forgotten, or another offer took its place meanwhile: the download's report has no attempt.
    if (written === 'gone') return;
    const { before, after } = written;
    // What the others served (or a poll there) may have made more of it than this copy shows:
    // taken while this copy still downloads that attempt (a poll here may have moved it on since).
    const held = this.attempts.get(after.deviceId);
    if (after !== mine && held?.id === after.id && isDownloadState(held.state)) this.takeAttempt(after, true);
    // The transition as storage saw it (another server may have told the one this copy made).
    const told = after.state !== before.state ? [attemptEvent(after)] : [];
    await this.commit([mine], told, { attemptsWritten: true });
  }

  /**
   * `mine` merged into the attempt as stored and written while it is still so, with the stored
   * attempt it was merged into; `gone` when storage holds no such attempt as the device's newest
   * (nothing is written then); `failed` after too many other writes in between.
   */
  private async mergeIntoStored(mine: UpdateAttempt): Promise<MergeResult | 'failed'> {
    for (let tries = 0; tries < SHARED_WRITE_TRIES; tries += 1) {
      const [stored] = await this.stores.attempts.forDevice(mine.deviceId, 1);
      if (stored === undefined || stored.id !== mine.id) return 'gone';
      const merged = mergedProgress(stored, mine, this.now());
      if (merged === stored || (await this.stores.attempts.replaceIf(merged, stored))) {
        return { before: stored, after: merged };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * SHARED_WRITE_BACKOFF_MS));
    }
    return 'failed';
  }

  private noteChange(
    before: UpdateAttempt | undefined,
    after: UpdateAttempt,
    changed: UpdateAttempt[],
    transitions: NewFleetEvent[],
  ): void {
    this.attempts.set(after.deviceId, after);
    if (after.state === 'downloaded') this.downloaded.add(after.deviceId);
    else this.downloaded.delete(after.deviceId);
    changed.push(after);
    for (const watcher of this.attemptWatchers) {
      try {
        watcher(after, before, 'made');
      } catch (error) {
        this.logger.warn('an attempt watcher failed', { error });
      }
    }
    if (before === undefined || before.state !== after.state) transitions.push(attemptEvent(after));
  }

  /**
   * Writes changed attempts and their transitions' events, and rejects when that failed (a check
   * that caused them is then not answered as if they were kept); the sweep tries again with the
   * attempts as they are by then. The devices' events still waiting for the batch (a first check,
   * a version change: the very check that caused the transition, often) are taken along, ahead of
   * the transitions, so that a device's timeline reads in the order things happened; so are their
   * entries when more than their poll fields changed, so that after a crash an attempt and its
   * device's entry agree on the version it runs. All of it goes into one durable write.
   */
  private commit(
    changed: readonly UpdateAttempt[],
    transitions: readonly NewFleetEvent[],
    options: { readonly attemptsWritten?: boolean } = {},
  ): Promise<void> {
    return this.tracked(this.writeChanges(changed, transitions, options.attemptsWritten === true));
  }

  /** `attemptsWritten`: the attempts are stored already (by replaceIf); their events and entries are not. */
  private async writeChanges(
    changed: readonly UpdateAttempt[],
    transitions: readonly NewFleetEvent[],
    attemptsWritten = false,
  ): Promise<void> {
    const deviceIds = new Set(changed.map((attempt) => attempt.deviceId));
    const events = [...this.takePendingEvents(deviceIds), ...transitions];
    const { checks, written } = this.startWritingSightings([...deviceIds].flatMap((id) => this.slots.get(id) ?? []));
    // Queued together, they share one append and one fsync.
    const writes = await Promise.allSettled([
      written,
      attemptsWritten ? Promise.resolve() : this.stores.attempts.putMany(changed),
      events.length > 0 ? this.appendEvents(events) : Promise.resolve(),
    ]);
    this.settle(checks, writes[0]?.status === 'fulfilled');
    const failed = writes.find((write): write is PromiseRejectedResult => write.status === 'rejected');
    if (failed === undefined) {
      // Written as they are now: nothing of theirs left to retry.
      for (const attempt of changed) {
        if (this.attempts.get(attempt.deviceId) === attempt) this.retryAttempts.delete(attempt.deviceId);
      }
      this.announceWritten([...deviceIds]);
      this.warnings.recovered(ATTEMPT_UNWRITTEN);
      return;
    }
    this.warnings.warn(ATTEMPT_UNWRITTEN, {
      error: failed.reason,
      attempts: changed.length,
    });
    // Attempts already stored (merged) are not written again whole: their events and entries
    // are retried on their own.
    if (!attemptsWritten) for (const attempt of changed) this.retryAttempts.add(attempt.deviceId);
    if (writes[2]?.status === 'rejected') this.pendingEvents.push(...events);
    throw failed.reason;
  }

  /** The pending events of these devices, in order, taken out of the batch. */
  private takePendingEvents(deviceIds: ReadonlySet<DeviceId>): NewFleetEvent[] {
    if (this.pendingEvents.length === 0) return [];
    const taken: NewFleetEvent[] = [];
    const kept: NewFleetEvent[] = [];
    for (const event of this.pendingEvents) (deviceIds.has(event.deviceId) ? taken : kept).push(event);
    if (taken.length > 0) this.pendingEvents = kept;
    return taken;
  }

  /** Devices whose attempt could not be written: the sweep writes them again, as they are by then. */
  private readonly retryAttempts = new Set<DeviceId>();
  /** Attempt writes under way, which close() waits for. */
  private readonly inFlight = new Set<Promise<void>>();

  private async appendEvents(events: readonly NewLoggedEvent[]): Promise<void> {
    const appended = await this.stores.events.append(events);
    for (const event of appended) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.warn('a fleet event listener failed', { error });
        }
      }
    }
  }

  private sweep(): void {
    if (this.closed) return;
    const at = this.now();
    const changed: UpdateAttempt[] = [];
    const transitions: NewFleetEvent[] = [];
    for (const deviceId of [...this.downloaded]) {
      const current = this.attempts.get(deviceId);
      if (current === undefined) continue;
      const next = advanceAttempt(current, { kind: 'tick', at }, this.settings.rules);
      if (next !== current) this.noteChange(current, next, changed, transitions);
    }
    // Still named until a write of them succeeds (writeChanges): a check meanwhile writes too.
    for (const deviceId of this.retryAttempts) {
      const attempt = this.attempts.get(deviceId);
      if (attempt === undefined) this.retryAttempts.delete(deviceId);
      else if (!changed.includes(attempt)) changed.push(attempt);
    }
    if (changed.length > 0) this.commit(changed, transitions).catch(() => {});
    this.offers.forgetBefore(at);
    void this.flush();
  }

  private async prune(): Promise<void> {
    if (this.closed) return;
    const before = this.now() - this.settings.retentionMs;
    try {
      await this.stores.events.prune({ before, keepPerDevice: this.settings.eventsPerDevice });
      await this.stores.attempts.pruneBefore(before, this.settings.attemptsPerDevice);
    } catch (error) {
      this.logger.warn('pruning fleet history failed; retrying later', { error });
    }
  }

  /**
   * Reads the seed rows' ids again (another server may have changed them while this one could not
   * hear of it); until that is done, changes noted meanwhile are kept and applied after.
   */
  reloadAssignments(): void {
    if (this.assignedIds === undefined) return; // a load is under way and will see the rows as they are
    this.assignedIds = undefined;
    this.loadAssignments();
  }

  /** Reads the seed rows' ids in the background: a large table must not hold up the start. */
  private loadAssignments(): void {
    void (async () => {
      const ids = new Set<DeviceId>();
      for await (const record of this.stores.devices.list()) ids.add(record.deviceId);
      for (const [deviceId, assigned] of this.assignmentsWhileLoading) {
        if (assigned) ids.add(deviceId);
        else ids.delete(deviceId);
      }
      this.assignmentsWhileLoading.clear();
      this.assignedIds = ids;
      this.assignmentsRead += 1;
    })().catch((error: unknown) => {
      // Until read, `unassigned` is judged from each device's last check; try again shortly.
      this.warnings.warn('the seed rows could not be read for the inventory; retrying', { error });
      if (this.closed) return;
      setTimeout(() => {
        if (!this.closed && this.assignedIds === undefined) this.loadAssignments();
      }, ASSIGNMENTS_RETRY_MS).unref();
    });
  }
}

/**
 * An attempt read back from storage, with the download progress the copy held here made and has
 * not merged into storage yet (commitProgress) kept: the bytes served add up while both are still
 * downloading the same form. Anything else is taken as read (with its update time).
 */
function withProgressKept(read: UpdateAttempt, held: UpdateAttempt): UpdateAttempt {
  const sameForm = read.downloadedAs === null || held.downloadedAs === null || read.downloadedAs === held.downloadedAs;
  if (!sameForm || !isDownloadState(read.state) || !isDownloadState(held.state)) return read;
  return { ...mergedProgress(read, held, read.updatedAt), updatedAt: read.updatedAt };
}

/** A download's progress merged into the stored attempt: the attempt before and after. */
type MergeResult = { readonly before: UpdateAttempt; readonly after: UpdateAttempt } | 'gone';
