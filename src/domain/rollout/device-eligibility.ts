import { exclusionsOf, type ExclusionReason } from './offer-rules.js';
import type { RolloutDefinition } from './rollout-definition.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutId } from './rollout-id.js';
import type { RolloutTarget } from './rollout-target.js';
import { matchesSelector } from './selector-match.js';
import type { VersionScheme } from './version-scheme.js';
import { isInWave, waveBucket } from './wave-bucket.js';

/** Why a device is not one a rollout wants, whatever the rollout's state: not selected, or a rule. */
export type IneligibleReason = 'not-selected' | ExclusionReason;

/**
 * What a rollout's definition makes of a device at `now`, before its state, waves and caps
 * count: null when it would offer its target, else the first reason it would not (selector
 * first, then the rules in their order). The decision, the preview and the completion rule all
 * ask this one question, so they cannot disagree.
 */
export function ineligibilityOf(
  definition: RolloutDefinition,
  target: RolloutTarget,
  device: RolloutDevice,
  scheme: VersionScheme,
  now: number,
): IneligibleReason | null {
  if (!matchesSelector(definition.selector, device, scheme)) return 'not-selected';
  return exclusionsOf(device, target, definition, scheme, now)[0] ?? null;
}

/** Whether `device` is in the wave of `percent` of rollout `rolloutId`. */
export function deviceInWave(rolloutId: RolloutId, device: RolloutDevice, percent: number): boolean {
  return isInWave(waveBucket(rolloutId, device.id), percent);
}
