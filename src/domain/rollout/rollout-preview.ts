import { EXCLUSION_REASONS, exclusionsOf, type ExclusionReason } from './offer-rules.js';
import type { RolloutDefinition } from './rollout-definition.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutId } from './rollout-id.js';
import type { RolloutTarget } from './rollout-target.js';
import { matchesSelector } from './selector-match.js';
import type { VersionScheme } from './version-scheme.js';
import { isInWave, waveBucket } from './wave-bucket.js';

/** What a rollout would do with the devices known now (`POST /api/v1/rollouts/<id>/preview`). */
export interface RolloutPreview {
  /** Devices the selector picks. */
  readonly selected: number;
  /** Selected devices that no rule excludes: the ones the rollout would offer to, at 100%. */
  readonly eligible: number;
  /** Per rule, the selected devices it excludes; a device excluded by several rules counts under each. */
  readonly excluded: Readonly<Record<ExclusionReason, number>>;
  /** Per wave, the eligible devices it holds (cumulative, like the percentages). */
  readonly waves: readonly { readonly percent: number; readonly devices: number }[];
  /**
   * Devices the selector lists by id that no poll has shown yet, in the listed order. None of
   * them is counted until it polls (the last wave waits for them: rollout-completion.ts), and a
   * mistyped id never will: an operator told before starting sees the typo.
   */
  readonly unseen: readonly string[];
}

/** The preview of `definition` (state and caps aside) for rollout `rolloutId` over `devices` at `now`. */
export function previewRollout(
  rolloutId: RolloutId,
  definition: RolloutDefinition,
  target: RolloutTarget,
  devices: Iterable<RolloutDevice>,
  scheme: VersionScheme,
  now: number,
): RolloutPreview {
  const excluded = Object.fromEntries(EXCLUSION_REASONS.map((reason) => [reason, 0])) as Record<
    ExclusionReason,
    number
  >;
  const perWave = definition.waves.map(() => 0);
  let selected = 0;
  let eligible = 0;
  const listed = new Set(definition.selector.devices);
  for (const device of devices) {
    if (listed.size > 0) listed.delete(device.id);
    if (!matchesSelector(definition.selector, device, scheme)) continue;
    selected += 1;
    const exclusions = exclusionsOf(device, target, definition, scheme, now);
    for (const reason of exclusions) excluded[reason] += 1;
    if (exclusions.length > 0) continue;
    eligible += 1;
    const bucket = waveBucket(rolloutId, device.id);
    definition.waves.forEach((percent, index) => {
      if (isInWave(bucket, percent)) perWave[index] = (perWave[index] ?? 0) + 1;
    });
  }
  const waves = definition.waves.map((percent, index) => ({ percent, devices: perWave[index] ?? 0 }));
  return { selected, eligible, excluded, waves, unseen: [...listed] };
}
