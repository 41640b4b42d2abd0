import { deviceInWave, ineligibilityOf } from './device-eligibility.js';
import { currentWavePercent, isLastWave, type Rollout } from './rollout.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutTarget } from './rollout-target.js';
import type { VersionScheme } from './version-scheme.js';

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
 * Only the devices the inventory knows count: a device that never polled is not awaited.
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
  let awaiting = 0;
  for (const device of devices) {
    if (!deviceInWave(rollout.id, device, percent)) continue;
    if (ineligibilityOf(rollout.definition, target, device, scheme, now) === null) awaiting += 1;
  }
  return awaiting;
}
