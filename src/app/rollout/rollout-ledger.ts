import type { DeviceId } from '../../domain/device-id.js';
import { ATTEMPT_STATES, type AttemptState } from '../../domain/fleet/attempt-state.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import { pruneOffers } from '../../domain/rollout/offer-caps.js';
import type { Rollout } from '../../domain/rollout/rollout.js';
import { countingSince } from '../../domain/rollout/rollout.js';
import { isInFlight, sampleWave, type WaveSample } from '../../domain/rollout/wave-sample.js';
import type { AttemptCounts } from './rollout-operations.js';

/** Attempts by state, every state at 0. */
export function noAttempts(): Record<AttemptState, number> {
  return Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])) as Record<AttemptState, number>;
}

/**
 * One rollout as the server keeps it in memory: the rollout, every attempt it made (as the
 * attempt store holds them, kept current by the fleet tracker's changes), each device's latest
 * one, and when it made its recent offers (the rate cap). A rollout's attempts are a few per
 * device it reached: the counts of its waves, its in-flight load and the halt rule's sample are
 * read from them.
 */
export class RolloutLedger {
  private readonly attempts = new Map<string, UpdateAttempt>();
  private readonly latest = new Map<DeviceId, UpdateAttempt>();
  /** Devices whose open attempt of this rollout another offer (a device row's) took the place of. */
  private readonly superseded = new Set<DeviceId>();
  private offers: readonly number[] = [];
  /** Writes of this rollout, one after another (an operator's action and an automatic halt never interleave). */
  queue: Promise<unknown> = Promise.resolve();

  constructor(public rollout: Rollout) {}

  /** An attempt of this rollout, new or changed. */
  record(attempt: UpdateAttempt): void {
    this.attempts.set(attempt.id, attempt);
    const latest = this.latest.get(attempt.deviceId);
    if (latest === undefined || latest.id <= attempt.id) {
      this.latest.set(attempt.deviceId, attempt);
      this.superseded.delete(attempt.deviceId);
    }
  }

  /**
   * The device was offered something else (its device row's file) while an attempt of this
   * rollout was open: the tracker follows only the newer one, so the older is in flight no more.
   */
  supersede(deviceId: DeviceId): void {
    if (this.latest.has(deviceId)) this.superseded.add(deviceId);
  }

  /** The device's attempts of this rollout. */
  attemptsOf(deviceId: DeviceId): UpdateAttempt[] {
    const all: UpdateAttempt[] = [];
    for (const attempt of this.attempts.values()) if (attempt.deviceId === deviceId) all.push(attempt);
    return all;
  }

  latestAttempts(): IterableIterator<UpdateAttempt> {
    return this.latest.values();
  }

  noteOffer(at: number): void {
    this.offers = [...pruneOffers(this.offers, at), at];
  }

  recentOffers(now: number): readonly number[] {
    this.offers = pruneOffers(this.offers, now);
    return this.offers;
  }

  /**
   * Attempts between offered and resolved: a device has at most one open, so its latest tells.
   * An offer its device never took up (still offered or downloading after `staleMs`: a device
   * gone for good, or one that stopped polling) holds no slot: the cap would otherwise close for
   * good after `maxInFlight` such devices.
   */
  inFlight(now: number, staleMs: number): number {
    let count = 0;
    for (const attempt of this.latest.values()) {
      if (!isInFlight(attempt.state) || this.superseded.has(attempt.deviceId)) continue;
      const untaken = attempt.state === 'offered' || attempt.state === 'downloading';
      if (untaken && now - attempt.updatedAt >= staleMs) continue;
      count += 1;
    }
    return count;
  }

  /**
   * What the halt and advance rules judge: attempts resolved since the wave began or the last
   * resume; in flight as `inFlight` counts them.
   */
  sample(now: number, staleMs: number): WaveSample {
    const since = countingSince(this.rollout);
    const sample = sampleWave([...this.attempts.values()], since ?? Number.POSITIVE_INFINITY);
    return { ...sample, inFlight: this.inFlight(now, staleMs) };
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
