import type { DeviceId } from '../../domain/device-id.js';
import { isFinalAttemptState, type AttemptState } from '../../domain/fleet/attempt-state.js';
import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import { ineligibilityOf } from '../../domain/rollout/device-eligibility.js';
import { decideRolloutOffer, type RolloutCandidate, type RolloutVerdict } from '../../domain/rollout/offer-decision.js';
import { penaltyOf, penaltyStartedBy } from '../../domain/rollout/penalty-box.js';
import { rolledBackVersionsOf } from '../../domain/rollout/rolled-back-versions.js';
import { draftRollout, isLastWave, type Rollout } from '../../domain/rollout/rollout.js';
import { awaitingDevices } from '../../domain/rollout/rollout-completion.js';
import type { FieldProblem } from '../../domain/rollout/field-problem.js';
import type { RolloutInput } from '../../domain/rollout/rollout-definition.js';
import type { OpenAttempt, RolloutDevice } from '../../domain/rollout/rollout-device.js';
import { editRollout } from '../../domain/rollout/rollout-edit.js';
import { devicePenalizedEvent, type NewRolloutEvent } from '../../domain/rollout/rollout-event.js';
import type { RolloutId } from '../../domain/rollout/rollout-id.js';
import { previewRollout, type RolloutPreview } from '../../domain/rollout/rollout-preview.js';
import type { RolloutChange } from '../../domain/rollout/rollout-refusal.js';
import { superviseRollout } from '../../domain/rollout/rollout-supervision.js';
import type { RolloutTarget } from '../../domain/rollout/rollout-target.js';
import { applyRolloutAction } from '../../domain/rollout/rollout-transitions.js';
import { parseRolloutDefinition } from '../../domain/rollout/rollout-validation.js';
import type { VersionScheme } from '../../domain/rollout/version-scheme.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PenaltyClearanceStore } from '../../ports/penalty-clearance-store.port.js';
import type { RolloutStore } from '../../ports/rollout-store.port.js';
import type { UpdateAttemptStore } from '../../ports/update-attempt-store.port.js';
import type { AuditSource, AuditTrail } from '../audit/audit-trail.js';
import { HOLD_BACK, type FleetOfferPolicy, type FleetTracker } from '../fleet/fleet-tracker.js';
import { ImageFactsIndex } from './image-facts-index.js';
import type { OfferPolicySource } from './offer-policy-source.js';
import { noAttempts, RolloutLedger } from './rollout-ledger.js';
import {
  RolloutOperationError,
  type RolloutGauges,
  type RolloutDeviceView,
  type RolloutOperations,
  type RolloutOperatorAction,
  type RolloutView,
} from './rollout-operations.js';

/** How often running rollouts are judged for the moves that need time to pass (soak, completion). */
const SUPERVISION_INTERVAL_MS = 5_000;
/** What a rollout that wants the device says when it offers nothing now: the device is told 204 and polls again. */
const HELD_BACK_VERDICTS: ReadonlySet<RolloutVerdict> = new Set([
  'not-in-wave',
  'over-in-flight-cap',
  'over-offer-rate-cap',
  'open-attempt',
]);

/** Past attempts read per device for the penalty box (the domain's "newest 100 are enough"). */
const HISTORY = 100;

export interface RolloutStores {
  readonly rollouts: RolloutStore;
  readonly clearances: PenaltyClearanceStore;
  readonly attempts: UpdateAttemptStore;
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
  ) {}

  static async open(
    stores: RolloutStores,
    fleet: FleetTracker,
    audit: AuditTrail,
    scheme: VersionScheme,
    logger: Logger,
    supervisionIntervalMs = SUPERVISION_INTERVAL_MS,
  ): Promise<RolloutService> {
    const service = new RolloutService(stores, fleet, audit, scheme, logger);
    for (const rollout of await stores.rollouts.list()) {
      const ledger = new RolloutLedger(rollout);
      for (const attempt of await stores.attempts.forRollout(rollout.id)) ledger.record(attempt);
      // The tracker follows each device's newest attempt only: an older open one was superseded.
      for (const attempt of [...ledger.latestAttempts()]) {
        if (fleet.currentAttempt(attempt.deviceId)?.id !== attempt.id) ledger.supersede(attempt.deviceId);
      }
      service.ledgers.set(rollout.id, ledger);
    }
    service.clearances = new Map(await stores.clearances.list());
    service.stopWatching = [
      fleet.watchImages((files) => service.images.replace(files)),
      fleet.watchAttempts((after, before) => service.attemptChanged(after, before)),
    ];
    service.timer = setInterval(() => service.supervise(), supervisionIntervalMs);
    service.timer.unref();
    return service;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const stop of this.stopWatching) stop();
    await Promise.allSettled([...this.ledgers.values()].map((ledger) => ledger.queue));
  }

  // ---- the check ---------------------------------------------------------------------------

  offering(): boolean {
    for (const ledger of this.ledgers.values()) if (ledger.rollout.state === 'running') return true;
    return false;
  }

  async policyFor(deviceId: DeviceId, running: string): Promise<FleetOfferPolicy | undefined> {
    // Only a running rollout offers (a paused or halted one does not even repeat its offer).
    const candidates = this.candidates();
    if (candidates.length === 0) return undefined;
    // Most polls come from devices no running rollout wants (not selected, already on the
    // target, another chip): judged on what is in memory, they cost no read of their history,
    // which could only exclude more (penalty box, rolled-back versions).
    const now = this.fleet.now();
    const entry = this.fleet.entry(deviceId);
    const attempt = this.fleet.currentAttempt(deviceId);
    const light = this.rolloutDevice(deviceId, running, entry, attempt, []);
    const wanted = candidates.some(
      ({ rollout, target }) =>
        ineligibilityOf(rollout.definition, target, light, this.scheme, now) === null ||
        (attempt?.rollout?.id === rollout.id && !isFinalAttemptState(attempt.state)),
    );
    if (!wanted) return undefined;
    const history = await this.stores.attempts.forDevice(deviceId, HISTORY);
    return ({ entry: polled, attempt: latest, at }) => {
      const device = this.rolloutDevice(deviceId, running, polled, latest, history);
      const decision = decideRolloutOffer(device, this.candidates(), this.scheme, at);
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
  }

  /** The running rollouts whose target is stored, with their load now. */
  private candidates(): RolloutCandidate[] {
    const now = this.fleet.now();
    const candidates: RolloutCandidate[] = [];
    for (const ledger of this.ledgers.values()) {
      if (ledger.rollout.state !== 'running') continue;
      const target = this.targetOf(ledger.rollout);
      if (target === undefined) continue;
      candidates.push({
        rollout: ledger.rollout,
        target,
        caps: {
          inFlight: ledger.inFlight(now, this.fleet.settings.rules.silentMs),
          recentOffers: ledger.recentOffers(now),
        },
      });
    }
    return candidates;
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
      runningImage: this.images.running(running, attempt?.file),
      hold: entry?.hold ?? false,
      rolledBackVersions: rolledBackVersionsOf(attempts, clearedAt),
      attempts,
      penaltyClearedAt: clearedAt,
      openAttempt,
    };
  }

  // ---- what attempts tell --------------------------------------------------------------------

  private attemptChanged(after: UpdateAttempt, before: UpdateAttempt | undefined): void {
    if (before === undefined) {
      // A new offer: any other rollout's open attempt of the device is no longer followed.
      for (const other of this.ledgers.values())
        if (other.rollout.id !== after.rollout?.id) other.supersede(after.deviceId);
    }
    const ledger = after.rollout === null ? undefined : this.ledgers.get(after.rollout.id as RolloutId);
    if (ledger === undefined) return;
    ledger.record(after);
    if (before?.state === after.state || !isFinalAttemptState(after.state)) return;
    const penalty = penaltyStartedBy(
      ledger.attemptsOf(after.deviceId).filter((attempt) => attempt.id !== after.id),
      after,
      ledger.rollout.definition.penalty,
      this.clearances.get(after.deviceId) ?? null,
    );
    const events: NewRolloutEvent[] = [];
    if (penalty !== null && after.version !== null) {
      events.push(
        devicePenalizedEvent(ledger.rollout.id, after.deviceId, { file: after.file, version: after.version }, penalty),
      );
    }
    // A failure halts at once: no offer is made on the rollout's strength after the rule broke.
    const change = superviseRollout(
      ledger.rollout,
      { sample: ledger.sample(this.fleet.now(), this.fleet.settings.rules.silentMs), awaiting: 1 },
      this.fleet.now(),
    );
    if (change?.ok === true && change.rollout.state === 'halted') {
      ledger.rollout = change.rollout;
      events.push(...change.events);
      this.persist(ledger, change.rollout);
    }
    if (events.length > 0) void this.publish(events);
  }

  /** Judges every running rollout: halt, advance after the soak, completion. */
  private supervise(): void {
    const now = this.fleet.now();
    for (const ledger of this.ledgers.values()) {
      if (ledger.rollout.state !== 'running') continue;
      const target = this.targetOf(ledger.rollout);
      const awaiting =
        target !== undefined &&
        isLastWave(ledger.rollout) &&
        ledger.inFlight(now, this.fleet.settings.rules.silentMs) === 0
          ? awaitingDevices(ledger.rollout, target, this.knownDevices(), this.scheme, now)
          : 1;
      const change = superviseRollout(
        ledger.rollout,
        { sample: ledger.sample(this.fleet.now(), this.fleet.settings.rules.silentMs), awaiting },
        now,
      );
      if (change?.ok !== true) continue;
      ledger.rollout = change.rollout;
      this.persist(ledger, change.rollout);
      if (change.events.length > 0) void this.publish(change.events);
    }
  }

  /** An automatic move: in memory at once, written right after (in order with the rollout's other writes). */
  private persist(ledger: RolloutLedger, rollout: Rollout): void {
    ledger.queue = ledger.queue
      .then(() => this.stores.rollouts.put(rollout))
      .catch((error: unknown) => this.logger.error('a rollout could not be written', { error, rollout: rollout.id }));
  }

  private async publish(events: readonly NewRolloutEvent[]): Promise<void> {
    try {
      await this.fleet.publish(events);
    } catch (error) {
      this.logger.warn('rollout events could not be written', { error, events: events.length });
    }
  }

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

  async edit(id: RolloutId, input: RolloutInput, who: AuditSource): Promise<RolloutView> {
    const ledger = this.ledger(id);
    // Checked first for the file (a refusal names it), then by the domain for the rest.
    this.parsed(input);
    return this.change(ledger, (rollout, at) => editRollout(rollout, input, this.scheme, at), who, 'rollout.edit');
  }

  async act(id: RolloutId, action: RolloutOperatorAction, who: AuditSource): Promise<RolloutView> {
    const ledger = this.ledger(id);
    if (action === 'start' || action === 'resume') this.requireTarget(ledger.rollout);
    return this.change(
      ledger,
      (rollout, at) => applyRolloutAction(rollout, { kind: action }, at),
      who,
      `rollout.${action}`,
    );
  }

  preview(id: RolloutId): RolloutPreview {
    const { rollout } = this.ledger(id);
    const target = this.requireTarget(rollout);
    return previewRollout(rollout.id, rollout.definition, target, this.knownDevices(), this.scheme, this.fleet.now());
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

  async clearPenalty(deviceId: DeviceId, who: AuditSource): Promise<boolean> {
    if (this.fleet.entry(deviceId) === undefined) return false;
    const at = this.fleet.now();
    await this.audit.recorded(
      who,
      async () => {
        await this.stores.clearances.put(deviceId, at);
        this.clearances.set(deviceId, at);
      },
      () => ({ action: 'device.penalty-clear', target: deviceId }),
    );
    return true;
  }

  /** Every rollout's figures for the metrics, oldest first. */
  gauges(): RolloutGauges[] {
    const now = this.fleet.now();
    const staleMs = this.fleet.settings.rules.silentMs;
    return [...this.ledgers.values()].map((ledger) => {
      const { rollout } = ledger;
      const sample = ledger.sample(now, staleMs);
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
        offersLastMinute: ledger.recentOffers(now).length,
        failureRatio: sample.resolved === 0 ? null : sample.failed / sample.resolved,
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
      const change = apply(ledger.rollout, this.fleet.now());
      if (!change.ok) {
        const { refusal } = change;
        throw new RolloutOperationError(refusal.code, refusal.message, 'problems' in refusal ? refusal.problems : []);
      }
      await this.audit.recorded(
        who,
        async () => {
          await this.stores.rollouts.put(change.rollout);
          ledger.rollout = change.rollout;
        },
        () => ({
          action,
          target: change.rollout.id,
          detail: { state: change.rollout.state, wave: change.rollout.wave },
        }),
      );
      if (change.events.length > 0) await this.publish(change.events);
    });
    ledger.queue = work.catch(() => {});
    await work;
    return this.view(ledger);
  }

  problemsOf(input: RolloutInput): FieldProblem[] {
    const parsed = parseRolloutDefinition(input, this.scheme);
    const problems = parsed.ok || !('problems' in parsed.refusal) ? [] : [...parsed.refusal.problems];
    if (typeof input.file === 'string' && this.images.target(input.file) === undefined) {
      if (!problems.some((problem) => problem.path[0] === 'file')) {
        problems.push({ path: ['file'], message: `no stored valid image at ${input.file}` });
      }
    }
    return problems;
  }

  private parsed(input: RolloutInput) {
    const problems = this.problemsOf(input);
    const parsed = parseRolloutDefinition(input, this.scheme);
    if (!parsed.ok || problems.length > 0) {
      const text = problems.map((problem) => `${problem.path.join('.') || '(body)'}: ${problem.message}`).join('; ');
      throw new RolloutOperationError('invalid-rollout', `the rollout is not valid: ${text}`, problems);
    }
    return parsed.definition;
  }

  private requireTarget(rollout: Rollout): RolloutTarget {
    const target = this.targetOf(rollout);
    if (target === undefined) {
      throw new RolloutOperationError('invalid-rollout', 'the rollout\u2019s file is no longer a stored valid image', [
        { path: ['file'], message: `no stored valid image at ${rollout.definition.file}` },
      ]);
    }
    return target;
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

  private view(ledger: RolloutLedger): RolloutView {
    const { rollout } = ledger;
    const target = this.targetOf(rollout);
    const now = this.fleet.now();
    const perWave =
      target === undefined
        ? rollout.definition.waves.map(() => 0)
        : previewRollout(rollout.id, rollout.definition, target, this.knownDevices(), this.scheme, now).waves.map(
            (wave) => wave.devices,
          );
    const counts = ledger.waveCounts();
    const sample = ledger.sample(this.fleet.now(), this.fleet.settings.rules.silentMs);
    return {
      rollout,
      waves: rollout.definition.waves.map((percent, index) => ({
        percent,
        devices: perWave[index] ?? 0,
        attempts: counts[index] ?? counts[0]!,
      })),
      inFlight: ledger.inFlight(now, this.fleet.settings.rules.silentMs),
      offersLastMinute: ledger.recentOffers(now).length,
      current: {
        resolved: sample.resolved,
        succeeded: sample.succeeded,
        failed: sample.failed,
        failurePercent: sample.resolved === 0 ? null : (sample.failed * 100) / sample.resolved,
      },
    };
  }
}
