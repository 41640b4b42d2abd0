import type { DeviceId } from '../../domain/device-id.js';
import { isFinalAttemptState, type AttemptState } from '../../domain/fleet/attempt-state.js';
import { advanceAttempt } from '../../domain/fleet/attempt-transitions.js';
import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import { deviceInWave, ineligibilityOf } from '../../domain/rollout/device-eligibility.js';
import { isInWave, waveBucket } from '../../domain/rollout/wave-bucket.js';
import { decideRolloutOffer, type RolloutCandidate, type RolloutVerdict } from '../../domain/rollout/offer-decision.js';
import { penaltyOf, penaltyStartedBy } from '../../domain/rollout/penalty-box.js';
import { rolledBackVersionsOf } from '../../domain/rollout/rolled-back-versions.js';
import { currentWavePercent, draftRollout, isLastWave, type Rollout } from '../../domain/rollout/rollout.js';
import { awaitedDeviceIds } from '../../domain/rollout/rollout-completion.js';
import type { FieldProblem } from '../../domain/rollout/field-problem.js';
import type { RolloutInput } from '../../domain/rollout/rollout-definition.js';
import type { OpenAttempt, RolloutDevice } from '../../domain/rollout/rollout-device.js';
import { editRollout } from '../../domain/rollout/rollout-edit.js';
import { devicePenalizedEvent, type NewRolloutEvent } from '../../domain/rollout/rollout-event.js';
import type { RolloutId } from '../../domain/rollout/rollout-id.js';
import { previewRollout, type RolloutPreview } from '../../domain/rollout/rollout-preview.js';
import type { RolloutChange } from '../../domain/rollout/rollout-refusal.js';
import { failureShare, haltReasonOf } from '../../domain/rollout/halt-check.js';
import { superviseRollout } from '../../domain/rollout/rollout-supervision.js';
import type { RolloutTarget } from '../../domain/rollout/rollout-target.js';
import { applyRolloutAction } from '../../domain/rollout/rollout-transitions.js';
import { parseRolloutDefinition } from '../../domain/rollout/rollout-validation.js';
import type { VersionScheme } from '../../domain/rollout/version-scheme.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PenaltyClearanceStore } from '../../ports/penalty-clearance-store.port.js';
import { DomainError } from '../../domain/domain-error.js';
import type { RolloutLockRelease, RolloutLocks } from '../../ports/rollout-locks.port.js';
import { capRefusal, type CapState } from '../../domain/rollout/offer-caps.js';
import type { RolloutStore } from '../../ports/rollout-store.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { isUpdateFilePath } from '../../domain/update-file-path.js';
import type { AuditSource, AuditTrail } from '../audit/audit-trail.js';
import { HOLD_BACK, type FleetOfferPolicy, type FleetTracker } from '../fleet/fleet-tracker.js';
import { ImageFactsIndex } from './image-facts-index.js';
import type { OfferPolicyLease, OfferPolicySource } from './offer-policy-source.js';
import { noAttempts, RolloutLedger } from './rollout-ledger.js';
import {
  RolloutOperationError,
  type RolloutGauges,
  type RolloutDeviceView,
  type RolloutEdit,
  type RolloutOperations,
  type RolloutOperatorAction,
  type RolloutView,
} from './rollout-operations.js';
import { isOverdue } from '../../domain/fleet/poll-interval.js';
import type { WaveSample } from '../../domain/rollout/wave-sample.js';

/** The id a definition not yet created is previewed under (never one a rollout is given). */
const PREVIEW_ID = 'preview' as RolloutId;

/** How often running rollouts are judged for the moves that need time to pass (soak, completion). */
const SUPERVISION_INTERVAL_MS = 5_000;
/** What a rollout that wants the device says when it offers nothing now: the device is told 204 and polls again. */
const HELD_BACK_VERDICTS: ReadonlySet<RolloutVerdict> = new Set([
  'not-in-wave',
  'over-in-flight-cap',
  'over-offer-rate-cap',
  'open-attempt',
]);

/** How often at most the completion rule walks the inventory, per rollout. */
const COMPLETION_CHECK_MS = 60_000;
/** Past attempts read per device for the penalty box (the domain's "newest 100 are enough"). */
const HISTORY = 100;

/** A running rollout with its ledger and its target as stored now. */
interface RunningTarget {
  readonly ledger: RolloutLedger;
  readonly rollout: Rollout;
  readonly target: RolloutTarget;
}

/** How long, and how far apart, an operator's action or an automatic move tries a rollout's lock. */
const ROLLOUT_LOCK_WAIT_MS = 5_000;
const ROLLOUT_LOCK_RETRY_MS = 100;

/** Whether two states of a rollout are the same write of it (what this server last wrote or read is still what is stored). */
function sameMoment(a: Rollout, b: Rollout): boolean {
  return a.updatedAt === b.updatedAt && a.state === b.state && a.wave === b.wave;
}

export interface RolloutStores {
  readonly rollouts: RolloutStore;
  readonly clearances: PenaltyClearanceStore;
  readonly attempts: UpdateAttemptStore;
  readonly locks: RolloutLocks;
  /**
   * Where the update files are. A file removed behind the server's back is still in the catalog
   * (the rollouts' list of images) until a check or a listing finds it gone: a rollout neither
   * starts, resumes, previews nor makes a new offer on a file not stored there.
   */
  readonly files: Pick<BlobStore, 'stat'>;
}

/**
 * Rollouts as the server runs them: the operators' actions (durable and audited before they are
 * answered), the offer decision for each poll that no device row answers (through the fleet
 * tracker, which records the offer in the same turn), and the automatic moves: a halt as soon as
 * an attempt's outcome breaks the rule, an advance or completion judged every few seconds.
 *
 * The rollouts, their attempts and the penalty clearances live in memory (loaded at start); a
 * rollout's state reaches storage before anything is offered on its strength by an operator's
 * action, and right after an automatic move (which stops or widens offers at once in memory).
 */
export class RolloutService implements RolloutOperations, OfferPolicySource {
  private readonly ledgers = new Map<RolloutId, RolloutLedger>();
  private clearances = new Map<DeviceId, number>();
  private readonly images = new ImageFactsIndex();
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: Array<() => void> = [];
  private nextIdSuffix = 0;

  private constructor(
    private readonly stores: RolloutStores,
    private readonly fleet: FleetTracker,
    private readonly audit: AuditTrail,
    private readonly scheme: VersionScheme,
    private readonly logger: Logger,
    private readonly lockWaitMs: number,
  ) {}

  static async open(
    stores: RolloutStores,
    fleet: FleetTracker,
    audit: AuditTrail,
    scheme: VersionScheme,
    logger: Logger,
    supervisionIntervalMs = SUPERVISION_INTERVAL_MS,
    lockWaitMs = ROLLOUT_LOCK_WAIT_MS,
  ): Promise<RolloutService> {
    const service = new RolloutService(stores, fleet, audit, scheme, logger, lockWaitMs);
    for (const rollout of await stores.rollouts.list()) {
      service.ledgers.set(rollout.id, await service.loadLedger(rollout));
    }
    service.clearances = new Map(await stores.clearances.list());
    service.stopWatching = [
      fleet.watchImages((files) => service.images.replace(files)),
      fleet.watchAttempts((after, before, origin) => service.attemptChanged(after, before, origin)),
      fleet.judgeOffersWith((attempt) => service.offerStands(attempt)),
      fleet.watchForgotten((deviceId) => {
        for (const ledger of service.ledgers.values()) ledger.forget(deviceId);
      }),
    ];
    // Offers a stopped rollout left open (a crash between the rollout's write and its attempts',
    // or a halt stored by a version without withdrawn attempts) are taken back now: alone on
    // the storage only (whether other servers share it is not known yet at this point, and
    // each device's next check takes such an offer back anyway).
    for (const ledger of stores.locks.shared ? [] : service.ledgers.values()) {
      if (ledger.rollout.state === 'halted' || ledger.rollout.state === 'aborted') {
        await service.withdrawOffers(ledger.rollout);
      }
    }
    service.timer = setInterval(() => service.supervise(), supervisionIntervalMs);
    service.timer.unref();
    return service;
  }

  /** A stored rollout with every attempt it made. */
  private async loadLedger(rollout: Rollout): Promise<RolloutLedger> {
    const ledger = new RolloutLedger(rollout);
    for (const attempt of await this.stores.attempts.forRollout(rollout.id)) ledger.record(attempt);
    // The rate cap's window holds across a restart.
    ledger.noteRecentOffers(this.fleet.now());
    // The tracker follows each device's newest attempt only: an older open one was superseded.
    for (const attempt of [...ledger.latestAttempts()]) {
      if (this.fleet.currentAttempt(attempt.deviceId)?.id !== attempt.id) ledger.supersede(attempt.deviceId);
    }
    return ledger;
  }

  // ---- other servers on the same storage ---------------------------------------------------

  /** Hears every write of a rollout or a penalty clearance (other servers read them again). */
  watchWrites(listener: () => void): () => void {
    this.writeWatchers.add(listener);
    return () => this.writeWatchers.delete(listener);
  }

  private readonly writeWatchers = new Set<() => void>();

  private written(): void {
    for (const watcher of this.writeWatchers) {
      try {
        watcher();
      } catch (error) {
        this.logger.warn('a rollout write watcher failed', { error });
      }
    }
  }

  /**
   * Reads the rollouts and penalty clearances again: another server created or changed some. A
   * rollout's stored state replaces the one in memory (with other servers, every write of a
   * rollout is made under its lock onto its stored state, so storage has the last word); each
   * read waits for this server's writes of the rollout queued before it.
   */
  async reload(): Promise<void> {
    const stored = await this.stores.rollouts.list();
    for (const rollout of stored) {
      const ledger = this.ledgers.get(rollout.id);
      if (ledger === undefined) {
        const loaded = await this.loadLedger(rollout);
        if (!this.ledgers.has(rollout.id)) this.ledgers.set(rollout.id, loaded);
        continue;
      }
      const work = ledger.queue.then(async () => {
        const current = await this.storedRollout(rollout.id);
        if (current !== undefined) this.readBack(ledger, current);
      });
      ledger.queue = work.catch(() => {});
      await work;
    }
    this.clearances = new Map(await this.stores.clearances.list());
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const stop of this.stopWatching) stop();
    await Promise.allSettled([...this.offerReads.values()]);
    const ledgers = [...this.ledgers.values()];
    // A move whose write failed, before the stop or in the writes it waits for, gets a last try:
    // a clean stop must not lose it. Past that try the stop goes on (an outage would hold it for
    // good), and says which rollouts a restart will find as they were before.
    await Promise.allSettled(ledgers.map((ledger) => ledger.queue));
    for (const ledger of ledgers) if (ledger.unsaved) this.persist(ledger);
    await Promise.allSettled(ledgers.map((ledger) => ledger.queue));
    for (const ledger of ledgers) {
      if (!ledger.unsaved) continue;
      this.logger.error('a rollout could not be written before the server stopped: a restart finds it as stored', {
        rollout: ledger.rollout.id,
        state: ledger.rollout.state,
        wave: ledger.rollout.wave,
        storedState: ledger.written.state,
        storedWave: ledger.written.wave,
      });
    }
    await Promise.allSettled([...this.publishing]);
  }

  // ---- the check ---------------------------------------------------------------------------

  offering(): boolean {
    for (const ledger of this.ledgers.values()) if (ledger.rollout.state === 'running') return true;
    return false;
  }

  async policyFor(deviceId: DeviceId, running: string): Promise<OfferPolicyLease | undefined> {
    // Only a running rollout offers (a paused or halted one does not even repeat its offer).
    const runningTargets = this.runningTargets();
    if (runningTargets.length === 0) return undefined;
    // Most polls come from devices no running rollout wants now (not selected, already on the
    // target, another chip, not in the wave yet): judged on what is in memory, they cost no read
    // of their history, which could only exclude more (penalty box, rolled-back versions).
    const now = this.fleet.now();
    // As this poll will leave it (the policy is asked after the poll's signal): a row's attempt
    // that the poll ends no longer keeps the device from a rollout (device-row).
    // (An offer its rollout took back is withdrawn first, as FleetTracker.recordCheck does.)
    const before = this.fleet.currentAttempt(deviceId);
    const rules = this.fleet.settings.rules;
    const standing =
      before !== undefined && before.state === 'offered' && !this.offerStands(before)
        ? advanceAttempt(before, { kind: 'withdrawn', at: now }, rules)
        : before;
    const attempt =
      standing === undefined ? undefined : advanceAttempt(standing, { kind: 'poll', at: now, version: running }, rules);
    const light = this.rolloutDevice(deviceId, running, this.fleet.entry(deviceId), attempt, []);
    let wantedNow = false;
    let wantedLater = false;
    /** Running rollouts that may make the device a new offer now, by what this server knows of their load. */
    const mayOffer: RolloutId[] = [];
    for (const { ledger, rollout, target } of runningTargets) {
      if (attempt?.rollout?.id === rollout.id && !isFinalAttemptState(attempt.state)) wantedNow = true;
      else if (ineligibilityOf(rollout.definition, target, light, this.scheme, now) === null) {
        if (deviceInWave(rollout.id, light, currentWavePercent(rollout))) {
          wantedNow = true;
          if (capRefusal(rollout.definition, this.loadOf(ledger, now), now) === null) mayOffer.push(rollout.id);
        } else wantedLater = true;
      }
    }
    if (!wantedNow) return wantedLater ? { policy: () => HOLD_BACK, release: async () => {} } : undefined;
    const history = await this.stores.attempts.forDevice(deviceId, HISTORY);
    const gone = await this.missingFiles(mayOffer);
    // Other servers sharing the storage offer on the same rollouts: a new offer is decided on the
    // load as stored, under the rollouts' locks, held until the check's record is durable.
    let stored: ReadonlyMap<RolloutId, CapState> = new Map();
    let release = async () => {};
    const lock =
      this.stores.locks.shared && mayOffer.length > 0 ? await this.stores.locks.tryLock(mayOffer) : undefined;
    // Not got (another check, here or elsewhere, is deciding an offer on one of them): the
    // rollouts count as full this once, and the device polls again.
    if (lock !== undefined) {
      release = lock;
      try {
        const at = this.fleet.now();
        const loads = await Promise.all(
          mayOffer.map(async (id) => [id, await this.stores.attempts.rolloutLoad(id, at, this.staleMs)] as const),
        );
        stored = new Map(loads);
      } catch (error) {
        await release();
        throw error;
      }
    }
    // With other servers, a rollout not locked here makes no new offer, whatever memory says by then.
    const unlockedAreFull = this.stores.locks.shared;
    const policy: FleetOfferPolicy = ({ entry: polled, attempt: latest, at }) => {
      const device = this.rolloutDevice(deviceId, running, polled, latest, history);
      const candidates = this.candidates(at, stored, unlockedAreFull).filter(({ target }) => !gone.has(target.file));
      const decision = decideRolloutOffer(device, candidates, this.scheme, at);
      const offer = decision.offer;
      if (offer === null) {
        return decision.verdicts.some(({ verdict }) => HELD_BACK_VERDICTS.has(verdict)) ? HOLD_BACK : undefined;
      }
      const ledger = this.ledgers.get(offer.rolloutId);
      const target = this.images.target(offer.target.file);
      if (ledger === undefined || target === undefined) return undefined;
      if (offer.repeatOf === null) ledger.noteOffer(at);
      return {
        file: target.file,
        rollout: { id: offer.rolloutId, wave: ledger.rollout.wave },
        repeatOf: offer.repeatOf,
      };
    };
    return { policy, release };
  }

  /**
   * Whether a download of `attempt`'s offer path is still served: not when its rollout was
   * aborted or halted before the device began to download (an operator who stops a bad release
   * stops the offers already made: written as `withdrawn` once the rollout's state is, and
   * refused here at once); a download under way may finish or resume.
   */
  offerStands(attempt: UpdateAttempt): boolean {
    if (attempt.state === 'withdrawn') return false;
    const ledger = attempt.rollout === null ? undefined : this.ledgers.get(attempt.rollout.id as RolloutId);
    if (ledger === undefined || attempt.state !== 'offered') return true;
    const { state, haltResumedAt } = ledger.rollout;
    if (state === 'aborted' || state === 'halted') return false;
    // Made before the rollout was last halted and not asked for since: taken back then, it stays
    // so once resumed (the device got 404 meanwhile; its next check gets a new offer), rather
    // than failing at that check and counting against the resumed rollout. A pause takes back
    // nothing.
    return haltResumedAt === null || attempt.offeredAt >= haltResumedAt;
  }

  /** The running rollouts whose target is stored. */
  private runningTargets(): RunningTarget[] {
    const found: RunningTarget[] = [];
    for (const ledger of this.ledgers.values()) {
      if (ledger.rollout.state !== 'running') continue;
      const target = this.targetOf(ledger.rollout);
      if (target !== undefined) found.push({ ledger, rollout: ledger.rollout, target });
    }
    return found;
  }

  /**
   * The running rollouts with their load at `now`, for a decision: as this server knows it, or
   * as stored when read under the rollout's lock (`stored`), whichever is the heavier (storage
   * has every server's offers; memory may have moves not written yet). `unlockedAreFull`: a
   * rollout whose lock is not held counts as full (it may repeat offers, not make new ones).
   */
  private candidates(
    now: number,
    stored: ReadonlyMap<RolloutId, CapState> = new Map(),
    unlockedAreFull = false,
  ): RolloutCandidate[] {
    return this.runningTargets().map(({ ledger, rollout, target }) => {
      const known = this.loadOf(ledger, now);
      const read = stored.get(rollout.id);
      const caps =
        read === undefined
          ? unlockedAreFull
            ? { ...known, inFlight: Math.max(known.inFlight, rollout.definition.maxInFlight) }
            : known
          : {
              inFlight: Math.max(known.inFlight, read.inFlight),
              recentOffers:
                read.recentOffers.length > known.recentOffers.length ? read.recentOffers : known.recentOffers,
            };
      return { rollout, target, caps };
    });
  }

  /** A rollout's load at `now` as this server knows it. */
  private loadOf(ledger: RolloutLedger, now: number): CapState {
    return { inFlight: ledger.inFlight(now, this.staleMs), recentOffers: ledger.recentOffers(now) };
  }

  /** How long an attempt in flight may go unheard of before it holds no slot (see RolloutLedger.inFlight). */
  private get staleMs(): number {
    return this.fleet.settings.rules.silentMs;
  }

  /**
   * What the halt and advance rules judge of `ledger`'s rollout at `now`. A device that booted the
   * image is `quiet` once overdue by its learned poll interval and not heard of for the silence
   * timeout as well: the first alone would take a device whose only learned gap is its reboot's
   * for quiet fifteen minutes on (see wave-sample.ts). A device this server holds no entry of is
   * not quiet.
   */
  private sampleOf(ledger: RolloutLedger, now: number): WaveSample {
    const quiet = (deviceId: DeviceId): boolean => {
      const entry = this.fleet.entry(deviceId);
      return (
        entry !== undefined &&
        now - entry.lastSeen >= this.staleMs &&
        isOverdue(entry.lastSeen, entry.pollIntervalMs, now)
      );
    };
    return ledger.sample(now, this.staleMs, quiet);
  }

  private targetOf(rollout: Rollout): RolloutTarget | undefined {
    const stored = this.images.target(rollout.definition.file);
    return stored === undefined ? undefined : { file: rollout.definition.file, image: stored.facts };
  }

  /** The device as the rules see it: its entry, the stored image of its version, its attempts. */
  private rolloutDevice(
    deviceId: DeviceId,
    running: string,
    entry: InventoryEntry | undefined,
    attempt: UpdateAttempt | undefined,
    history: readonly UpdateAttempt[],
  ): RolloutDevice {
    // The stored history, with the current attempt as the poll has just left it.
    const attempts = attempt === undefined ? history : [attempt, ...history.filter((a) => a.id !== attempt.id)];
    const clearedAt = this.clearances.get(deviceId) ?? null;
    const openAttempt: OpenAttempt | null =
      attempt === undefined || isFinalAttemptState(attempt.state) || attempt.state === 'silent'
        ? null
        : { id: attempt.id, rolloutId: (attempt.rollout?.id ?? null) as RolloutId | null, state: attempt.state };
    return {
      id: deviceId,
      tags: entry?.tags ?? [],
      runningVersion: running,
      // The inventory's image when it was worked out for this version (see RunningImageIndex.find).
      runningImage: this.images.running(running, attempt?.file, entry?.runningVersion === running ? entry.image : null),
      hold: entry?.hold ?? false,
      rolledBackVersions: rolledBackVersionsOf(attempts, clearedAt),
      attempts,
      penaltyClearedAt: clearedAt,
      openAttempt,
    };
  }

  // ---- what attempts tell --------------------------------------------------------------------

  private attemptChanged(after: UpdateAttempt, before: UpdateAttempt | undefined, origin: 'made' | 'read'): void {
    if (before === undefined) {
      // A new offer: any other rollout's open attempt of the device is no longer followed.
      for (const other of this.ledgers.values())
        if (other.rollout.id !== after.rollout?.id) other.supersede(after.deviceId);
    }
    const ledger = after.rollout === null ? undefined : this.ledgers.get(after.rollout.id as RolloutId);
    if (ledger === undefined) return;
    ledger.record(after);
    // A failure (silent too: not final, since the device may come back, but resolved) may halt;
    // so may a device booting the image, which brings the devices the rule judges to minResolved.
    const judged = isFinalAttemptState(after.state) || after.state === 'silent' || after.state === 'provisional';
    if (before?.state === after.state || !judged) return;
    const penalty = penaltyStartedBy(
      ledger.attemptsOf(after.deviceId).filter((attempt) => attempt.id !== after.id),
      after,
      ledger.rollout.definition.penalty,
      this.clearances.get(after.deviceId) ?? null,
    );
    const events: NewRolloutEvent[] = [];
    // Told by the server that saw the failure happen; another hears of it later from storage
    // and would tell it again (as a halt is told once by the server whose write is stored).
    if (penalty !== null && after.version !== null && origin === 'made') {
      events.push(
        devicePenalizedEvent(ledger.rollout.id, after.deviceId, { file: after.file, version: after.version }, penalty),
      );
    }
    // A failure halts at once: no offer is made on the rollout's strength after the rule broke.
    const now = this.fleet.now();
    const change = superviseRollout(ledger.rollout, { sample: this.sampleOf(ledger, now) }, now);
    const halted = change?.ok === true && change.rollout.state === 'halted' ? change.rollout : undefined;
    if (change?.ok === true && halted !== undefined) events.push(...this.moved(ledger, change));
    // Told once the change that caused them is on its way to the log (this runs while a check or
    // a download is being recorded, before its own events are appended): cause before effect.
    if (events.length > 0 || halted !== undefined) queueMicrotask(() => this.told(events, halted));
  }

  /**
   * After an automatic move: its events told, then, for a halt, the offers it takes back (in
   * memory before any other check is taken, as a device checking before the halt is written
   * would fail its offer; written in the background; the rollout's write takes back any offer
   * made since).
   */
  private told(events: readonly NewRolloutEvent[], halted: Rollout | undefined): void {
    if (events.length > 0) this.publish(events);
    if (halted !== undefined) void this.withdrawOffers(halted);
  }

  /**
   * Judges every running rollout: halt, advance after the soak, completion. Whether any device of
   * the last wave is still wanted walks the inventory: asked only with nothing in flight, and at
   * most once a minute per rollout.
   */
  private supervise(): void {
    const now = this.fleet.now();
    for (const ledger of this.ledgers.values()) {
      if (ledger.unsaved) this.persist(ledger);
      if (this.stores.locks.shared && (ledger.rollout.state === 'running' || ledger.holdsStoredOffers(now))) {
        this.readStoredOffers(ledger, now);
      }
      if (ledger.rollout.state !== 'running') continue;
      const target = this.targetOf(ledger.rollout);
      let awaiting: number | undefined;
      let waveDevices: number | undefined;
      if (target !== undefined && isLastWave(ledger.rollout) && ledger.inFlight(now, this.staleMs) === 0) {
        const last = this.completionCheckedAt.get(ledger.rollout.id);
        if (last === undefined || now - last >= COMPLETION_CHECK_MS) {
          this.completionCheckedAt.set(ledger.rollout.id, now);
          const awaited = awaitedDeviceIds(ledger.rollout, target, this.knownDevices(), this.scheme, now);
          awaiting = awaited.size;
          // Each device once: one that failed and will be offered again is offered and awaited.
          const offered = ledger.offeredDevices();
          waveDevices = offered.size + [...awaited].filter((id) => !offered.has(id)).length;
        }
      }
      const sample = this.sampleOf(ledger, now);
      const counted = awaiting === undefined || waveDevices === undefined ? {} : { awaiting, waveDevices };
      const change = superviseRollout(ledger.rollout, { sample, ...counted }, now);
      if (change?.ok !== true) continue;
      this.told(this.moved(ledger, change), change.rollout.state === 'halted' ? change.rollout : undefined);
    }
  }

  private readonly completionCheckedAt = new Map<RolloutId, number>();

  /**
   * With other servers, the rollout's offers of the last minute as stored (every server's), for
   * its view and metrics (see RolloutLedger.offersLastMinute): read at each supervision, not at
   * each view, scrape or check. One read at a time per rollout; a failed one leaves the last,
   * which ages out of the window.
   */
  private readStoredOffers(ledger: RolloutLedger, now: number): void {
    const id = ledger.rollout.id;
    if (this.offerReads.has(id)) return;
    const read = this.stores.attempts
      .rolloutLoad(id, now, this.staleMs)
      .then(
        (load) => {
          ledger.noteStoredOffers(load.recentOffers, this.fleet.now());
          this.offerReadsFailing = false;
        },
        (error: unknown) => {
          // Once per outage: it would otherwise be logged at every supervision.
          if (!this.offerReadsFailing) {
            this.logger.warn(
              "a rollout's offers could not be read from storage: its offers of the last minute may show too few",
              {
                error,
                rollout: id,
              },
            );
          }
          this.offerReadsFailing = true;
        },
      )
      .finally(() => this.offerReads.delete(id));
    this.offerReads.set(id, read);
  }

  private readonly offerReads = new Map<RolloutId, Promise<void>>();
  private offerReadsFailing = false;

  /**
   * An automatic move judged here: in memory at once, then written (persist); the events to tell
   * now are returned. Alone on its storage, the move is this server's for good: told at once.
   * With other servers, each judges the same facts, and storage may show that another made this
   * move (or another) first: the events are told once a write stores the move (see write), and
   * never when storage shows another state (see readBack), so that each move is told once.
   */
  private moved(ledger: RolloutLedger, change: Extract<RolloutChange, { ok: true }>): readonly NewRolloutEvent[] {
    ledger.rollout = change.rollout;
    const shared = this.stores.locks.shared;
    if (shared) ledger.untold = [...ledger.untold, ...change.events];
    this.persist(ledger);
    return shared ? [] : change.events;
  }

  /**
   * An automatic move: in memory at once (offers follow it from the next check), written after
   * the rollout's writes already queued, as the rollout is when the write runs: an operator's
   * action written meanwhile is never overwritten with an older state.
   */
  private persist(ledger: RolloutLedger): void {
    ledger.queue = ledger.queue
      .then(async () => {
        if (!this.stores.locks.shared) {
          await this.write(ledger, ledger.rollout);
          return;
        }
        // Other servers write this rollout too: the move is written under the rollout's lock, and
        // only onto what this server last wrote or read (see readBack).
        const release = await this.lockRollout(ledger.rollout.id);
        try {
          const stored = await this.storedRollout(ledger.rollout.id);
          if (stored === undefined || this.readBack(ledger, stored)) await this.write(ledger, ledger.rollout);
        } finally {
          await release();
        }
      })
      .then(() => this.written())
      .catch((error: unknown) => {
        ledger.unsaved = true; // for the next supervision
        this.logger.error('a rollout could not be written; trying again', { error, rollout: ledger.rollout.id });
      });
  }

  /**
   * Writes `rollout`, the ledger's state now or an operator's change of it (made in the same
   * turn): it holds every move of this server not yet written, whose events are told once it is.
   */
  private async write(ledger: RolloutLedger, rollout: Rollout): Promise<void> {
    const told = ledger.untold;
    await this.stores.rollouts.put(rollout);
    ledger.written = rollout;
    ledger.unsaved = false;
    if (rollout.state === 'halted' || rollout.state === 'aborted') await this.withdrawOffers(rollout);
    if (told.length === 0) return;
    // Moves made during the write are appended after these, for the write that stores them.
    ledger.untold = ledger.untold.slice(told.length);
    this.publish(told);
  }

  /**
   * The rollout as just read from storage, after this server's writes of it queued before the
   * read. Unchanged since this server last wrote or read it, the state in memory stands (true):
   * its moves not written yet (queued, or whose write failed) go onto what is stored. Changed,
   * another server wrote it: its state is taken (false), and the rules judge that again at the
   * next supervision; this server's moves not written are dropped, their events untold (the
   * server whose write stands told its own).
   */
  private readBack(ledger: RolloutLedger, stored: Rollout): boolean {
    const stands = sameMoment(stored, ledger.written);
    if (!stands) {
      ledger.rollout = stored;
      ledger.unsaved = false;
      ledger.untold = [];
    }
    ledger.written = stored;
    return stands;
  }

  /**
   * A halted or aborted rollout takes back its offers that nothing was fetched of yet: they end
   * `withdrawn`, so they hold no slot in flight, and the devices' next checks count as no failure
   * (for the penalty box, or a resumed rollout's halt rule). Their attempts' write failing is
   * retried by the fleet's sweep; the offers are refused meanwhile all the same (offerStands).
   * Alone on its storage only: with other servers, this server's memory may be behind a download
   * another one began, and each device's next check withdraws its offer (FleetTracker.recordCheck).
   */
  private async withdrawOffers(rollout: Rollout): Promise<void> {
    try {
      await this.fleet.withdrawOffers(rollout.id);
    } catch (error) {
      this.logger.warn("a rollout's offers taken back could not be written yet; trying again", {
        error,
        rollout: rollout.id,
      });
    }
  }

  /** The rollout as stored now (undefined when it is not). */
  private async storedRollout(id: RolloutId): Promise<Rollout | undefined> {
    return (await this.stores.rollouts.list()).find((rollout) => rollout.id === id);
  }

  /**
   * The rollout's lock (see RolloutLocks), tried for a few seconds: checks hold it for a moment
   * while they decide an offer. Past that, other holders kept it all along: `rollout-busy` (503),
   * told apart from an unreachable storage, which rejects the try itself.
   */
  private async lockRollout(id: RolloutId): Promise<RolloutLockRelease> {
    const tries = Math.max(1, Math.ceil(this.lockWaitMs / ROLLOUT_LOCK_RETRY_MS));
    for (let attempt = 0; attempt < tries; attempt += 1) {
      const release = await this.stores.locks.tryLock([id]);
      if (release !== undefined) return release;
      if (attempt + 1 < tries) await new Promise((resolve) => setTimeout(resolve, ROLLOUT_LOCK_RETRY_MS));
    }
    throw new DomainError(
      'rollout-busy',
      `rollout ${id} is being changed on another server (its lock stayed taken for ${this.lockWaitMs / 1000} s); nothing was changed, try again`,
    );
  }

  /** Events of automatic moves: appended in the background, awaited by close. */
  private publish(events: readonly NewRolloutEvent[]): void {
    // Never rejects: events that cannot be written now go with the fleet's next batch.
    const work = this.fleet.publish(events);
    this.publishing.add(work);
    void work.finally(() => this.publishing.delete(work));
  }

  private readonly publishing = new Set<Promise<void>>();

  /** Every device of the inventory as the rules see it, from what is in memory (no history read). */
  private *knownDevices(): Generator<RolloutDevice> {
    for (const entry of this.fleet.values()) {
      const attempt = this.fleet.currentAttempt(entry.id);
      const past: UpdateAttempt[] = [];
      for (const ledger of this.ledgers.values()) past.push(...ledger.attemptsOf(entry.id));
      yield this.rolloutDevice(entry.id, entry.runningVersion, entry, attempt, past);
    }
  }

  // ---- what operators do ---------------------------------------------------------------------

  async create(input: RolloutInput, who: AuditSource): Promise<RolloutView> {
    const definition = this.parsed(input);
    const now = this.fleet.now();
    const rollout = draftRollout(this.newId(now), definition, now);
    const ledger = new RolloutLedger(rollout);
    await this.audit.recorded(
      who,
      async () => {
        await this.stores.rollouts.put(rollout);
        this.ledgers.set(rollout.id, ledger);
        this.written();
      },
      () => ({
        action: 'rollout.create',
        target: rollout.id,
        detail: { name: definition.name, file: definition.file },
      }),
    );
    return this.view(ledger);
  }

  list(): readonly RolloutView[] {
    return [...this.ledgers.values()].reverse().map((ledger) => this.view(ledger));
  }

  get(id: RolloutId): RolloutView | undefined {
    const ledger = this.ledgers.get(id);
    return ledger === undefined ? undefined : this.view(ledger);
  }

  async edit(id: RolloutId, edit: RolloutEdit, who: AuditSource): Promise<RolloutView> {
    const ledger = this.ledger(id);
    return this.change(
      ledger,
      (rollout, at) => {
        const input = edit(rollout.definition);
        // Checked first for the file (a refusal names it), then by the domain for the rest.
        this.parsed(input);
        return editRollout(rollout, input, this.scheme, at);
      },
      who,
      'rollout.edit',
    );
  }

  async act(id: RolloutId, action: RolloutOperatorAction, who: AuditSource): Promise<RolloutView> {
    const ledger = this.ledger(id);
    if (action === 'start' || action === 'resume') await this.requireStoredTarget(ledger.rollout);
    const view = await this.change(
      ledger,
      (rollout, at) => this.acted(ledger, rollout, action, at),
      who,
      `rollout.${action}`,
    );
    if (action === 'start') this.tellStarted(ledger.rollout.definition.file);
    return view;
  }

  /**
   * An operator's action on `rollout`. A resume from a pause judges, in the same change, the
   * failures counted so far, those of offers under way while paused included (a pause judges
   * nothing): when they break the halt rule, the rollout is written halted at once, before any
   * new offer is made.
   */
  private acted(ledger: RolloutLedger, rollout: Rollout, action: RolloutOperatorAction, at: number): RolloutChange {
    const change = applyRolloutAction(rollout, { kind: action }, at);
    if (!change.ok || action !== 'resume' || rollout.state !== 'paused') return change;
    const reason = haltReasonOf(this.sampleOf(ledger, at), rollout.definition.halt);
    if (reason === null) return change;
    const halted = applyRolloutAction(change.rollout, { kind: 'halt', reason }, at);
    return halted.ok ? { ok: true, rollout: halted.rollout, events: [...change.events, ...halted.events] } : change;
  }

  /** Hears each rollout this server starts, with its target file (delta patches are made for it). */
  watchStarts(listener: (file: string) => void): () => void {
    this.startWatchers.add(listener);
    return () => this.startWatchers.delete(listener);
  }

  private readonly startWatchers = new Set<(file: string) => void>();

  private tellStarted(file: string): void {
    for (const watcher of this.startWatchers) {
      try {
        watcher(file);
      } catch (error) {
        this.logger.warn('a rollout start watcher failed', { error });
      }
    }
  }

  async preview(id: RolloutId): Promise<RolloutPreview> {
    const { rollout } = this.ledger(id);
    const target = await this.requireStoredTarget(rollout);
    return previewRollout(rollout.id, rollout.definition, target, this.knownDevices(), this.scheme, this.fleet.now());
  }

  /**
   * A definition's preview before it is created (the dashboard's form): exclusions by rule are
   * exact; the waves are drawn with a stand-in id (a rollout's id seeds its wave buckets), so
   * their counts are within sampling noise of the created rollout's own preview.
   */
  async previewDefinition(input: RolloutInput): Promise<RolloutPreview> {
    const definition = this.parsed(input);
    const image = this.images.target(definition.file);
    if (image === undefined || !(await this.isStored(definition.file))) {
      throw new RolloutOperationError('invalid-rollout', `no stored valid image at ${definition.file}`, [
        { path: ['file'], message: `no stored valid image at ${definition.file}` },
      ]);
    }
    const target = { file: definition.file, image: image.facts };
    return previewRollout(PREVIEW_ID, definition, target, this.knownDevices(), this.scheme, this.fleet.now());
  }

  devices(id: RolloutId, state?: AttemptState): readonly RolloutDeviceView[] {
    const ledger = this.ledger(id);
    const views: RolloutDeviceView[] = [];
    for (const attempt of ledger.latestAttempts()) {
      if (state !== undefined && attempt.state !== state) continue;
      views.push({
        deviceId: attempt.deviceId,
        wave: attempt.rollout?.wave ?? 0,
        attemptId: attempt.id,
        state: attempt.state,
        offeredAt: attempt.offeredAt,
        updatedAt: attempt.updatedAt,
      });
    }
    return views.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }

  penalties(deviceId: DeviceId): ReturnType<RolloutOperations['penalties']> {
    const now = this.fleet.now();
    const clearedAt = this.clearances.get(deviceId) ?? null;
    const past: UpdateAttempt[] = [];
    for (const ledger of this.ledgers.values()) past.push(...ledger.attemptsOf(deviceId));
    const found: Array<ReturnType<RolloutOperations['penalties']>[number]> = [];
    const seen = new Set<string>();
    for (const ledger of this.ledgers.values()) {
      const image = { file: ledger.rollout.definition.file, version: this.targetOf(ledger.rollout)?.image.version };
      if (image.version === undefined || seen.has(`${image.file}\u0000${image.version}`)) continue;
      const penalty = penaltyOf(
        past,
        { file: image.file, version: image.version },
        ledger.rollout.definition.penalty,
        clearedAt,
        now,
      );
      // Each rollout judges by its own rule: the image is boxed when one of them boxes it.
      if (penalty === null) continue;
      seen.add(`${image.file}\u0000${image.version}`);
      found.push({ ...penalty, file: image.file, version: image.version });
    }
    return found;
  }

  async rolledBack(deviceId: DeviceId): Promise<readonly string[]> {
    // The history the offer rules read (see policyFor), so that what is shown is what they exclude.
    const history = await this.stores.attempts.forDevice(deviceId, HISTORY);
    const current = this.fleet.currentAttempt(deviceId);
    const attempts = current === undefined ? history : [current, ...history.filter((a) => a.id !== current.id)];
    return [...rolledBackVersionsOf(attempts, this.clearances.get(deviceId) ?? null)].sort();
  }

  async clearPenalty(deviceId: DeviceId, who: AuditSource): Promise<boolean> {
    if (this.fleet.entry(deviceId) === undefined) return false;
    const at = this.fleet.now();
    await this.audit.recorded(
      who,
      async () => {
        await this.stores.clearances.put(deviceId, at);
        this.clearances.set(deviceId, at);
        this.written();
      },
      () => ({ action: 'device.penalty-clear', target: deviceId }),
    );
    return true;
  }

  /** Every rollout's figures for the metrics, oldest first. */
  gauges(): RolloutGauges[] {
    const now = this.fleet.now();
    return [...this.ledgers.values()].map((ledger) => {
      const { rollout } = ledger;
      const sample = this.sampleOf(ledger, now);
      const devices = noAttempts();
      for (const counts of ledger.waveCounts()) {
        for (const [state, count] of Object.entries(counts)) devices[state as AttemptState] += count;
      }
      return {
        id: rollout.id,
        name: rollout.definition.name,
        state: rollout.state,
        wave: rollout.wave,
        devices,
        inFlight: sample.inFlight,
        maxInFlight: rollout.definition.maxInFlight,
        offersLastMinute: ledger.offersLastMinute(now),
        failureRatio: failureShare(sample),
        haltFailureRatio: rollout.definition.halt.failurePercent / 100,
      };
    });
  }

  // ---- inside --------------------------------------------------------------------------------

  private async change(
    ledger: RolloutLedger,
    apply: (rollout: Rollout, at: number) => RolloutChange,
    who: AuditSource,
    action: `rollout.${RolloutOperatorAction}` | 'rollout.edit',
  ): Promise<RolloutView> {
    const work = ledger.queue.then(async () => {
      // Other servers write this rollout too: the action is judged and written on its state as
      // stored, under its lock.
      const release = this.stores.locks.shared ? await this.lockRollout(ledger.rollout.id) : undefined;
      try {
        if (release !== undefined) {
          const stored = await this.storedRollout(ledger.rollout.id);
          if (stored !== undefined) this.readBack(ledger, stored);
        }
        await this.changeUnlocked(ledger, apply, who, action);
      } finally {
        await release?.();
      }
    });
    ledger.queue = work.catch(() => {});
    await work;
    return this.view(ledger);
  }

  private async changeUnlocked(
    ledger: RolloutLedger,
    apply: (rollout: Rollout, at: number) => RolloutChange,
    who: AuditSource,
    action: `rollout.${RolloutOperatorAction}` | 'rollout.edit',
  ): Promise<void> {
    // An edit that changes nothing is neither written nor recorded (the domain gives the rollout back).
    let unchanged = false;
    const made = await this.audit.recorded(
      who,
      async () => {
        // An automatic move (a halt) may take effect in memory while the write is under way:
        // the action is then judged again on what the move made, and written again, or refused.
        for (;;) {
          const base = ledger.rollout;
          const change = apply(base, this.fleet.now());
          if (!change.ok) {
            const { refusal } = change;
            throw new RolloutOperationError(
              refusal.code,
              refusal.message,
              'problems' in refusal ? refusal.problems : [],
            );
          }
          if (change.rollout === base) {
            unchanged = true;
            return change;
          }
          await this.write(ledger, change.rollout);
          this.written();
          if (ledger.rollout === base) {
            ledger.rollout = change.rollout;
            // An offer made while the write ran (memory still said running) is taken back too.
            if (change.rollout.state === 'aborted' || change.rollout.state === 'halted') {
              await this.withdrawOffers(change.rollout);
            }
            return change;
          }
          if (!apply(ledger.rollout, this.fleet.now()).ok) {
            // Put back what the move made (it is what runs); the next round refuses.
            await this.write(ledger, ledger.rollout);
          }
        }
      },
      (change) =>
        unchanged
          ? []
          : {
              action,
              target: change.rollout.id,
              detail: { state: change.rollout.state, wave: change.rollout.wave },
            },
    );
    // The action is made: events that cannot be written now go with the fleet's next batch.
    if (made.events.length > 0) await this.fleet.publish(made.events);
  }

  targeting(path: string): Rollout[] {
    const found: Rollout[] = [];
    for (const { rollout } of this.ledgers.values()) {
      if (rollout.definition.file === path && rollout.state !== 'completed' && rollout.state !== 'aborted') {
        found.push(rollout);
      }
    }
    return found;
  }

  problemsOf(input: RolloutInput): FieldProblem[] {
    return this.judged(input).problems;
  }

  /** The definition parsed once, with every problem: the domain's, and a file that is no stored image. */
  private judged(input: RolloutInput): { parsed: ReturnType<typeof parseRolloutDefinition>; problems: FieldProblem[] } {
    const parsed = parseRolloutDefinition(input, this.scheme);
    const problems = parsed.ok || !('problems' in parsed.refusal) ? [] : [...parsed.refusal.problems];
    if (typeof input.file === 'string' && this.images.target(input.file) === undefined) {
      if (!problems.some((problem) => problem.path[0] === 'file')) {
        problems.push({ path: ['file'], message: `no stored valid image at ${input.file}` });
      }
    }
    return { parsed, problems };
  }

  private parsed(input: RolloutInput) {
    const { parsed, problems } = this.judged(input);
    if (!parsed.ok || problems.length > 0) {
      const text = problems.map((problem) => `${problem.path.join('.') || '(body)'}: ${problem.message}`).join('; ');
      throw new RolloutOperationError('invalid-rollout', `the rollout is not valid: ${text}`, problems);
    }
    return parsed.definition;
  }

  /** The rollout's target, if its file is a stored valid image and is there now. */
  private async requireStoredTarget(rollout: Rollout): Promise<RolloutTarget> {
    const target = this.targetOf(rollout);
    if (target === undefined || !(await this.isStored(target.file))) {
      throw new RolloutOperationError('invalid-rollout', 'the rollout\u2019s file is no longer a stored valid image', [
        { path: ['file'], message: `no stored valid image at ${rollout.definition.file}` },
      ]);
    }
    return target;
  }

  /** Whether the file is there now (asked afresh: an operator's action is rare, and acts on the answer). */
  private async isStored(file: string): Promise<boolean> {
    return isUpdateFilePath(file) && (await this.stores.files.stat(file, { fresh: true })) !== undefined;
  }

  /**
   * Of these running rollouts, the target files not stored now (the store's answer may be a
   * moment old for a file removed behind its back): they make no new offer.
   */
  private async missingFiles(ids: readonly RolloutId[]): Promise<Set<string>> {
    const files = new Set<string>();
    for (const id of ids) {
      const file = this.ledgers.get(id)?.rollout.definition.file;
      if (file !== undefined) files.add(file);
    }
    const gone = new Set<string>();
    await Promise.all(
      [...files].map(async (file) => {
        if (!isUpdateFilePath(file) || (await this.stores.files.stat(file)) === undefined) gone.add(file);
      }),
    );
    return gone;
  }

  private ledger(id: RolloutId): RolloutLedger {
    const ledger = this.ledgers.get(id);
    if (ledger === undefined) throw new RolloutOperationError('rollout-not-found', `no rollout ${id}`);
    return ledger;
  }

  /** Short, unique in this server's history: its creation time in base 36 and a counter. */
  private newId(at: number): RolloutId {
    let id: string;
    do {
      id = `r${at.toString(36)}${(this.nextIdSuffix++).toString(36)}`;
    } while (this.ledgers.has(id as RolloutId));
    return id as RolloutId;
  }

  /**
   * Per wave (cumulative), the devices it holds: those the rollout wants now and those it has
   * made an offer to (a device that updated is no longer wanted, and still counts).
   */
  private waveDevices(ledger: RolloutLedger, target: RolloutTarget, now: number): number[] {
    const { rollout } = ledger;
    const perWave = rollout.definition.waves.map(() => 0);
    for (const device of this.knownDevices()) {
      const counted =
        ledger.hasReached(device.id) || ineligibilityOf(rollout.definition, target, device, this.scheme, now) === null;
      if (!counted) continue;
      const bucket = waveBucket(rollout.id, device.id);
      rollout.definition.waves.forEach((percent, index) => {
        if (isInWave(bucket, percent)) perWave[index] = (perWave[index] ?? 0) + 1;
      });
    }
    return perWave;
  }

  private view(ledger: RolloutLedger): RolloutView {
    const { rollout } = ledger;
    const target = this.targetOf(rollout);
    const now = this.fleet.now();
    const perWave =
      target === undefined ? rollout.definition.waves.map(() => 0) : this.waveDevices(ledger, target, now);
    const counts = ledger.waveCounts();
    const sample = this.sampleOf(ledger, this.fleet.now());
    return {
      rollout,
      waves: rollout.definition.waves.map((percent, index) => ({
        percent,
        devices: perWave[index] ?? 0,
        attempts: counts[index] ?? counts[0]!,
      })),
      inFlight: ledger.inFlight(now, this.staleMs),
      offersLastMinute: ledger.offersLastMinute(now),
      current: {
        resolved: sample.resolved,
        succeeded: sample.succeeded,
        failed: sample.failed,
        provisional: sample.provisional,
        quiet: sample.quiet,
        failurePercent: percentOrNull(failureShare(sample)),
      },
    };
  }
}

function percentOrNull(share: number | null): number | null {
  return share === null ? null : share * 100;
}
