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
  return rollout.state === 'running' && isLastWave(rollout) && facts.inFlight === 0 && facts.awaiting === 0;
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
  const percent = currentWavePercent(rollout);
  const listed = new Set(rollout.definition.selector.devices);
  let awaiting = 0;
  for (const device of devices) {
    if (listed.size > 0) listed.delete(device.id);
    if (!deviceInWave(rollout.id, device, percent)) continue;
    if (ineligibilityOf(rollout.definition, target, device, scheme, now) === null) awaiting += 1;
  }
  // Listed ids are device ids (the selector's validation): never seen, they are awaited all the same.
  for (const id of listed) if (isInWave(waveBucket(rollout.id, id as DeviceId), percent)) awaiting += 1;
  return awaiting;
}
