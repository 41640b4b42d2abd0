import { FAILED_ATTEMPT_STATES, type AttemptState } from '../fleet/attempt-state.js';
import type { UpdateAttempt } from '../fleet/update-attempt.js';

/**
 * Every attempt state is either in flight or resolved, never both:
 *
 * - in flight: offered, downloading, downloaded, provisional: the outcome is not known yet.
 * - resolved: succeeded, or failed: rolled-back, download-failed, refused, silent (the outcomes
 *   that count against an update, FAILED_ATTEMPT_STATES).
 *
 * `silent` is resolved although it is not a final attempt state: it counts as a failure (a
 * possible brick), and an attempt that holds a cap slot and a failure at once would let a wave of
 * bricked devices freeze the rollout instead of halting it. If a silent device comes back, its
 * attempt moves on (to provisional, then succeeded, or to rolled-back) and is counted as it is then.
 *
 * `withdrawn` is neither: an offer taken back before anything was fetched (its rollout halted or
 * was aborted) says nothing of the update.
 */
export const IN_FLIGHT_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set([
  'offered',
  'downloading',
  'downloaded',
  'provisional',
]);

export function isInFlight(state: AttemptState): boolean {
  return IN_FLIGHT_ATTEMPT_STATES.has(state);
}

/** A rollout's attempts as the wave counts see them. */
export type SampledAttempt = Pick<UpdateAttempt, 'deviceId' | 'state' | 'updatedAt' | 'offeredAt'>;

/** What sampleWave counts from, besides the attempts (see there). */
export interface SampleWindow {
  /** Resolved and booted devices count from here (`countingSince`). */
  readonly since: number;
  /**
   * Whether a device that booted the image has gone quiet since (the app: overdue by its learned
   * poll interval, and not heard of for the silence timeout). Default: none is.
   */
  readonly quiet?: (deviceId: SampledAttempt['deviceId']) => boolean;
}

/**
 * Counts of a rollout's devices, each counted once, by the outcome of its latest attempt:
 * `resolved` = `succeeded` + `failed`; `provisional` devices booted the image and are not
 * confirmed yet; `inFlight` devices' latest attempt is in flight (provisional ones included).
 */
export interface WaveSample {
  readonly resolved: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly provisional: number;
  /** Devices that booted the image since `since` and have gone quiet (see SampleWindow.quiet). */
  readonly quiet: number;
  /**
   * Devices whose latest attempt booted the image and is not confirmed, whenever it booted (an
   * earlier wave's, one from before a resume): the rollout does not complete past them.
   */
  readonly unconfirmed: number;
  readonly inFlight: number;
  /**
   * Devices that downloaded the image and have not reported since: booting it, or bricked by it;
   * auto-advance waits for them (auto-advance.ts).
   */
  readonly unreported: number;
}

/**
 * The counts the halt and advance rules judge, per device (`devices`: each one device's attempts
 * of the rollout), so that a rule reads as the wave counts do:
 *
 * - A device counts once, by its latest attempt (an offer withdrawn says nothing, the one before
 *   it tells): a device whose download failed twice and is being offered a third time is one
 *   device, not three failures. Counted by attempt, one flaky device out of eleven halted a wave
 *   at "3 of 10 failed" (found by a new user).
 * - Resolved at or after `since` (when the current wave began, or the rollout was last resumed
 *   from a halt: see `countingSince` in rollout.ts): succeeded, or failed; a device whose latest
 *   attempt is in flight again after a failure in that window still counts that failure, until
 *   its new attempt resolves or boots the image.
 * - `provisional`: the latest attempt booted the image (the device polled with its version) since
 *   `since`, and the device is not `quiet`: what the halt rule weighs failures against besides
 *   the resolved devices (see halt-check.ts), however seldom it polls (a window of the silence
 *   timeout dropped healthy devices polling every few hours, and brought back the halts the
 *   weighing prevents; a review).
 * - `quiet`: booted it since `since`, then went quiet: neither a success nor a failure (its
 *   attempt stays provisional: its silence is the inventory's business, attempt-transitions.ts;
 *   a device switched off for the night is quiet too). It weighs against no failure, keeps the
 *   rollout from completing and its wave from advancing by itself (rollout-supervision.ts,
 *   auto-advance.ts): a wave whose devices boot the image and hang completed at 0% failed (found
 *   by a new user); counted as failures, quiet devices would halt rollouts whose devices sleep.
 * - `inFlight`: every device whose latest attempt is in flight now, whenever it was offered.
 * - `unreported`: devices whose latest attempt is `downloaded`.
 *
 * An attempt's resolution time is its `updatedAt`: the time it entered its state. An attempt
 * offered in an earlier wave that resolves in this one counts in this one: the wave is judged by
 * what happens during it.
 */
export function sampleWave(devices: Iterable<readonly SampledAttempt[]>, window: SampleWindow): WaveSample {
  const { since, quiet: isQuiet = () => false } = window;
  let succeeded = 0;
  let failed = 0;
  let provisional = 0;
  let quiet = 0;
  let unconfirmed = 0;
  let inFlight = 0;
  let unreported = 0;
  for (const attempts of devices) {
    const latest = latestTelling(attempts);
    if (latest === undefined) continue;
    if (isInFlight(latest.state)) {
      inFlight += 1;
      if (latest.state === 'downloaded') unreported += 1;
      if (latest.state === 'provisional') {
        unconfirmed += 1;
        if (latest.updatedAt < since) continue;
        if (isQuiet(latest.deviceId)) quiet += 1;
        else provisional += 1;
      } else if (attempts.some((one) => one.updatedAt >= since && FAILED_ATTEMPT_STATES.has(one.state))) failed += 1;
    } else if (latest.updatedAt < since) continue;
    else if (latest.state === 'succeeded') succeeded += 1;
    else if (FAILED_ATTEMPT_STATES.has(latest.state)) failed += 1;
  }
  return { resolved: succeeded + failed, succeeded, failed, provisional, quiet, unconfirmed, inFlight, unreported };
}

/** A device's latest attempt that says something of the update: the latest offered, not withdrawn. */
function latestTelling(attempts: readonly SampledAttempt[]): SampledAttempt | undefined {
  let latest: SampledAttempt | undefined;
  for (const attempt of attempts) {
    if (attempt.state === 'withdrawn') continue;
    if (latest === undefined || attempt.offeredAt >= latest.offeredAt) latest = attempt;
  }
  return latest;
}
