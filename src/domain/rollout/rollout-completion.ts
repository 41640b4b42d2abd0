import type { DeviceId } from '../device-id.js';
import { deviceInWave, ineligibilityOf } from './device-eligibility.js';
import { currentWavePercent, isLastWave, type Rollout } from './rollout.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutTarget } from './rollout-target.js';
import type { VersionScheme } from './version-scheme.js';
import { isInWave, waveBucket } from './wave-bucket.js';

/** What the completion rule needs to know besides the rollout. */
export interface CompletionFacts {
  /** The rollout's attempts in flight (wave-sample.ts). */
  readonly inFlight: number;
  /** Devices the rollout would still offer to, now (see `awaitingDevices`). */
  readonly awaiting: number;
  /**
   * Devices that booted the image and are not confirmed yet, quiet ones included (wave-sample.ts):
   * their attempts hold no cap slot once unheard of for the silence timeout, yet the update's
   * outcome on them is not known (a wave whose devices booted it and hung completed; a review).
   */
  readonly unconfirmed: number;
}

/**
 * The completion rule: a running rollout is complete when its current wave is the last, nothing
 * is in flight, and no device is awaiting an offer: every device the last wave holds is either
 * not wanted (not selected, or a rule excludes it: it runs the target, the target rolled back on
 * it, it is in the penalty box or held, ...) or has been offered and resolved in a way that
 * leaves nothing to offer. A device that failed without being penalized is still awaited (it
 * will be offered again); so is a selected device that has not polled since the last wave
 * began. An operator ends such a rollout by advancing past its last wave.
 *
 * A device the selector lists by id is awaited even before it ever polled (the operator named
 * it: a rollout that completed without it would never offer it the image); a mistyped id is
 * awaited for good, and the preview names such ids (`unseen`). Otherwise only the devices the
 * inventory knows count: a device picked by tags or versions that never polled is not awaited.
 */
export function isRolloutComplete(rollout: Rollout, facts: CompletionFacts): boolean {
  return (
    rollout.state === 'running' &&
    isLastWave(rollout) &&
    facts.inFlight === 0 &&
    facts.awaiting === 0 &&
    facts.unconfirmed === 0
  );
}

/**
 * Devices in the current wave that the rollout's definition wants at `now` (selected, no rule
 * excluding them), whatever the rollout's state and caps.
 */
export function awaitingDevices(
  rollout: Rollout,
  target: RolloutTarget,
  devices: Iterable<RolloutDevice>,
  scheme: VersionScheme,
  now: number,
): number {
  return awaitedDeviceIds(rollout, target, devices, scheme, now).size;
}

/** The devices `awaitingDevices` counts, by id (a listed id never seen among them). */
export function awaitedDeviceIds(
  rollout: Rollout,
  target: RolloutTarget,
  devices: Iterable<RolloutDevice>,
  scheme: VersionScheme,
  now: number,
): Set<DeviceId> {
  const percent = currentWavePercent(rollout);
  const listed = new Set(rollout.definition.selector.devices);
  const awaited = new Set<DeviceId>();
  for (const device of devices) {
    if (listed.size > 0) listed.delete(device.id);
    if (!deviceInWave(rollout.id, device, percent)) continue;
    if (ineligibilityOf(rollout.definition, target, device, scheme, now) === null) awaited.add(device.id);
  }
  // Listed ids are device ids (the selector's validation): never seen, they are awaited all the same.
  for (const id of listed) if (isInWave(waveBucket(rollout.id, id as DeviceId), percent)) awaited.add(id as DeviceId);
  return awaited;
}
