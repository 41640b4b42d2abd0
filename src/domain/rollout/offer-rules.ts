import { penaltyOf } from './penalty-box.js';
import type { RolloutDefinition } from './rollout-definition.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutTarget } from './rollout-target.js';
import { compareVersions } from './version-order.js';
import { semanticVersionOf, type VersionScheme } from './version-scheme.js';

/**
 * Why a selected device is not offered a rollout's target, whatever the selector says: stable
 * codes (the preview counts devices by them, the dashboard shows them per device), in the order
 * they are checked.
 *
 * - `held`: an operator holds the device out of fleet policy.
 * - `penalized`: the device is in the penalty box for the target (penalty-box.ts).
 * - `unknown-image`: no stored image matches the running version, and the rollout does not include such devices.
 * - `other-chip`, `other-project`: the target is built for another chip or project than the running image.
 * - `already-running`: the device runs the target's version (the same string, or the same semantic version).
 * - `lower-secure-version`: the target's secure_version is below the running image's: with
 *   anti-rollback on, the bootloader would erase it. Checked even when downgrades are allowed.
 * - `downgrade`: the target is older (version-order.ts) and the rollout does not allow downgrades.
 * - `unknown-version-order`: neither semver nor build times say which is newer, and the rollout does
 *   not allow downgrades: a possible downgrade is treated as one.
 * - `rolled-back-before`: the target's version rolled back on this device and no operator cleared it.
 */
export const EXCLUSION_REASONS = [
  'held',
  'device-row',
  'penalized',
  'unknown-image',
  'other-chip',
  'other-project',
  'already-running',
  'lower-secure-version',
  'downgrade',
  'unknown-version-order',
  'rolled-back-before',
] as const;

export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** The parts of a definition the rules read. */
export type OfferRuleOptions = Pick<RolloutDefinition, 'allowDowngrade' | 'includeUnknownImages' | 'penalty'>;

/**
 * Every rule that keeps `target` from `device` at `now`, in the order of EXCLUSION_REASONS;
 * empty when the target may be offered. With an unknown running image (and
 * `includeUnknownImages`), chip, project and secure_version cannot be checked and pass; the
 * version rules still apply to the reported version.
 */
export function exclusionsOf(
  device: RolloutDevice,
  target: RolloutTarget,
  options: OfferRuleOptions,
  scheme: VersionScheme,
  now: number,
): readonly ExclusionReason[] {
  const { image } = target;
  const running = device.runningImage;
  const reasons: ExclusionReason[] = [];
  if (device.hold) reasons.push('held');
  if (rowOffersNow(device)) reasons.push('device-row');
  const penalizedImage = { file: target.file, version: image.version };
  if (penaltyOf(device.attempts, penalizedImage, options.penalty, device.penaltyClearedAt, now) !== null) {
    reasons.push('penalized');
  }
  if (running === null && !options.includeUnknownImages) reasons.push('unknown-image');
  if (running !== null && running.chip !== image.chip) reasons.push('other-chip');
  if (running !== null && running.project !== image.project) reasons.push('other-project');
  if (runsTargetVersion(device.runningVersion, image.version, scheme)) reasons.push('already-running');
  else if (!options.allowDowngrade) {
    const order = compareVersions(
      { version: image.version, image },
      { version: device.runningVersion, image: running },
      scheme,
    );
    if (order === null) reasons.push('unknown-version-order');
    else if (order.order < 0) reasons.push('downgrade');
  }
  if (running !== null && image.secureVersion < running.secureVersion) reasons.push('lower-secure-version');
  if (device.rolledBackVersions.has(image.version)) reasons.push('rolled-back-before');
  return EXCLUSION_REASONS.filter((reason) => reasons.includes(reason));
}

/**
 * The device's own row offers it an update now: its open attempt is no rollout's, and it still
 * runs the version it was offered from (offered, downloading, downloaded). Rows come before every
 * rollout, so no rollout is asked while this lasts; counted as wanted, such a device kept a
 * rollout's last wave from ever completing. One that runs the row's image (provisional) is not.
 */
function rowOffersNow(device: RolloutDevice): boolean {
  const open = device.openAttempt;
  return open !== null && open.rolloutId === null && ROW_OFFERING_STATES.has(open.state);
}

const ROW_OFFERING_STATES: ReadonlySet<string> = new Set(['offered', 'downloading', 'downloaded']);

/** The same string, or the same semantic version (`v1.2.0` and `1.2.0`): offering it would install what runs. */
function runsTargetVersion(running: string, target: string, scheme: VersionScheme): boolean {
  if (running === target) return true;
  const [a, b] = [semanticVersionOf(running, scheme), semanticVersionOf(target, scheme)];
  return a !== null && b !== null && scheme.compare(a, b) === 0;
}
