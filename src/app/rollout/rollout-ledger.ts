import type { DeviceId } from '../../domain/device-id.js';
import { ATTEMPT_STATES, type AttemptState } from '../../domain/fleet/attempt-state.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import { OFFER_WINDOW_MS, pruneOffers } from '../../domain/rollout/offer-caps.js';
import type { Rollout } from '../../domain/rollout/rollout.js';
import type { NewRolloutEvent } from '../../domain/rollout/rollout-event.js';
import { countingSince } from '../../domain/rollout/rollout.js';
import { isInFlight, sampleWave, type WaveSample } from '../../domain/rollout/wave-sample.js';
import type { AttemptCounts } from './rollout-operations.js';

/** Attempts by state, every state at 0. */
export function noAttempts(): Record<AttemptState, number> {
  return Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])) as Record<AttemptState, number>;
}

/** How many times each moment occurs. */
function tally(moments: readonly number[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const at of moments) times.set(at, (times.get(at) ?? 0) + 1);
  return times;
}

/**
 * One rollout as the server keeps it in memory: the rollout, every attempt it made (as the
 * attempt store holds them, kept current by the fleet tracker's changes) by device, each device's
 * latest one, the attempts in flight, and when it made its recent offers (the rate cap). What a
 * check asks of it (in flight, recent offers, a device's attempts) costs no walk over the
 * rollout's devices.
 */
export class RolloutLedger {
  private readonly attempts = new Map<DeviceId, UpdateAttempt[]>();
  private readonly latest = new Map<DeviceId, UpdateAttempt>();
  /** Devices whose latest attempt of this rollout is in flight and still followed. */
  private readonly open = new Map<DeviceId, UpdateAttempt>();
  private offers: readonly number[] = [];
  /** Writes of this rollout, one after another (an operator's action and an automatic move never interleave). */
  queue: Promise<unknown> = Promise.resolve();
  /**
   * The rollout as this server last wrote it or read it from storage. Storage holding something
   * else means another server changed the rollout since; holding this, storage lacks only this
   * server's moves not written yet, which go onto it.
   */
  written: Rollout;
  /**
   * Whether writing an automatic move failed (a full disk, an outage): the move stands in memory
   * and is written again at the next supervision, so that a restart does not find the rollout
   * running again after a halt.
   */
  unsaved = false;
  /**
   * With other servers: the events of this server's automatic moves that no write has stored
   * yet. Told once a write stores the moves; dropped when storage shows another server's state
   * instead (the server that wrote a move tells it).
   */
  untold: readonly NewRolloutEvent[] = [];
  /** With other servers: when the rollout's offers of the last minute were made, every server's, as last read from storage. */
  private storedOffers: readonly number[] = [];

  constructor(public rollout: Rollout) {
    this.written = rollout;
  }

  /** An attempt of this rollout, new or changed. */
  record(attempt: UpdateAttempt): void {
    const list = this.attempts.get(attempt.deviceId) ?? [];
    const index = list.findIndex((known) => known.id === attempt.id);
    if (index >= 0) list[index] = attempt;
    else list.push(attempt);
    this.attempts.set(attempt.deviceId, list);
    const latest = this.latest.get(attempt.deviceId);
    if (latest !== undefined && latest.id > attempt.id) return;
    this.latest.set(attempt.deviceId, attempt);
    if (isInFlight(attempt.state)) this.open.set(attempt.deviceId, attempt);
    else this.open.delete(attempt.deviceId);
  }

  /**
   * The device was offered something else (its device row's file) while an attempt
   * of this rollout was open: the tracker follows only its newest attempt, so this one is in
   * flight no more.
   */
  supersede(deviceId: DeviceId): void {
    this.open.delete(deviceId);
  }

  /**
   * The device was forgotten: its attempts go, as they went from storage (a restart would not
   * read them back), so the rollout's devices, counts and wave sample no longer hold it. The
   * offers' times stay for the rate cap: those offers were made.
   */
  forget(deviceId: DeviceId): void {
    this.attempts.delete(deviceId);
    this.latest.delete(deviceId);
    this.open.delete(deviceId);
  }

  /** The device's attempts of this rollout. */
  attemptsOf(deviceId: DeviceId): readonly UpdateAttempt[] {
    return this.attempts.get(deviceId) ?? [];
  }

  hasReached(deviceId: DeviceId): boolean {
    return this.latest.has(deviceId);
  }

  latestAttempts(): IterableIterator<UpdateAttempt> {
    return this.latest.values();
  }

  noteOffer(at: number): void {
    this.offers = [...pruneOffers(this.offers, at), at];
  }

  /** The offers of the last minute, from the attempts read at start (each began with one new offer). */
  noteRecentOffers(now: number): void {
    const recent: number[] = [];
    for (const list of this.attempts.values()) {
      for (const attempt of list) if (now - attempt.offeredAt < OFFER_WINDOW_MS) recent.push(attempt.offeredAt);
    }
    this.offers = recent.sort((a, b) => a - b);
  }

  recentOffers(now: number): readonly number[] {
    this.offers = pruneOffers(this.offers, now);
    return this.offers;
  }

  /** The rollout's offers as read from storage (with other servers: theirs too). */
  noteStoredOffers(offers: readonly number[], now: number): void {
    this.storedOffers = pruneOffers(offers, now);
  }

  /** Whether the offers last read from storage may still count (see offersLastMinute). */
  holdsStoredOffers(now: number): boolean {
    this.storedOffers = pruneOffers(this.storedOffers, now);
    return this.storedOffers.length > 0;
  }

  /**
   * How many offers the rollout made in the last minute: this server's, with those stored at the
   * last read (every server's, this one's included). Each is some of the rollout's offers: an
   * offer in both counts once, as each moment counts as often as the one that holds it more
   * often does. Others' offers since the read count from the next read on.
   */
  offersLastMinute(now: number): number {
    const own = this.recentOffers(now);
    if (!this.holdsStoredOffers(now)) return own.length;
    const ownAt = tally(own);
    const storedAt = tally(this.storedOffers);
    let count = 0;
    for (const [at, times] of ownAt) count += Math.max(times, storedAt.get(at) ?? 0);
    for (const [at, times] of storedAt) if (!ownAt.has(at)) count += times;
    return count;
  }

  /**
   * Attempts between offered and resolved: a device has at most one open, so its latest tells.
   * One that has not moved for `staleMs` (an offer never taken up, a device that booted the
   * image and was not heard of since) holds no slot any more: the cap would otherwise close for
   * good after `maxInFlight` devices that went away. A downloaded one turns silent (resolved) by
   * then.
   */
  inFlight(now: number, staleMs: number): number {
    for (const [deviceId, attempt] of this.open) {
      if (now - attempt.updatedAt >= staleMs) this.open.delete(deviceId);
    }
    return this.open.size;
  }

  /**
   * What the halt and advance rules judge: devices, by their latest attempt, resolved since the
   * wave began or the last resume from a halt; in flight as `inFlight` counts them.
   */
  sample(now: number, staleMs: number, quiet?: (deviceId: DeviceId) => boolean): WaveSample {
    const since = countingSince(this.rollout) ?? Number.POSITIVE_INFINITY;
    const sampled = sampleWave(this.attempts.values(), { since, ...(quiet === undefined ? {} : { quiet }) });
    return { ...sampled, inFlight: this.inFlight(now, staleMs) };
  }

  /** The devices the rollout has an attempt of, withdrawn ones aside (the devices it has offered to). */
  offeredDevices(): Set<DeviceId> {
    const ids = new Set<DeviceId>();
    for (const [deviceId, attempts] of this.attempts) {
      if (attempts.some((attempt) => attempt.state !== 'withdrawn')) ids.add(deviceId);
    }
    return ids;
  }

  /** Per wave, the devices whose latest attempt of this rollout was offered in it, by that attempt's state. */
  waveCounts(): AttemptCounts[] {
    const counts = this.rollout.definition.waves.map(() => noAttempts());
    for (const attempt of this.latest.values()) {
      const wave = counts[attempt.rollout?.wave ?? 0];
      if (wave !== undefined) wave[attempt.state] += 1;
    }
    return counts;
  }
}
