import type { RolloutCandidate } from '../../../../src/domain/rollout/offer-decision.js';
import type { RolloutDevice } from '../../../../src/domain/rollout/rollout-device.js';
import { DATES, FAILED } from './poll-arbitraries.js';
import { HOUR, T0 } from './rollout-fixtures.js';

/** Whether a version is plain x.y.z once one leading v is taken off, and its parts. */
const semver = (version: string): number[] | null => {
  const bare = version.startsWith('v') ? version.slice(1) : version;
  return /^\d+\.\d+\.\d+$/.test(bare) ? bare.split('.').map(Number) : null;
};
const compareParts = (a: number[], b: number[]) => a.map((x, i) => x - (b[i] ?? 0)).find((d) => d !== 0) ?? 0;

/**
 * What keeps a rollout from offering to a device, written out from the issue rather than from the
 * code (state, selector, every rule, hold, penalty box), wave and caps aside.
 */
export function violations(device: RolloutDevice, { rollout: r, target }: RolloutCandidate): string[] {
  const found: string[] = [];
  const { selector, allowDowngrade, includeUnknownImages, penalty } = r.definition;
  const t = target.image;
  const run = device.runningImage;
  if (r.state !== 'running') found.push('not running');
  if (!selector.tagsAll.every((tag) => device.tags.includes(tag))) found.push('tagsAll');
  if (selector.tagsAny.length > 0 && !selector.tagsAny.some((tag) => device.tags.includes(tag))) found.push('tagsAny');
  if (selector.devices.length > 0 && !selector.devices.includes(device.id)) found.push('devices');
  if (Array.isArray(selector.versions) && !selector.versions.includes(device.runningVersion)) found.push('versions');
  // The only range the arbitraries draw is >=2.0.0.
  if (typeof selector.versions === 'string') {
    const parts = semver(device.runningVersion);
    if (parts === null || compareParts(parts, [2, 0, 0]) < 0) found.push('versions');
  }
  if (device.hold) found.push('held');
  const open = device.openAttempt;
  if (open !== null && open.rolloutId === null && open.state !== 'provisional') found.push('device row');
  if (run === null && !includeUnknownImages) found.push('unknown image');
  if (run !== null && (run.chip !== t.chip || run.project !== t.project)) found.push('chip or project');
  const [runs, offers] = [semver(device.runningVersion), semver(t.version)];
  const same =
    device.runningVersion === t.version || (runs !== null && offers !== null && compareParts(runs, offers) === 0);
  if (same) found.push('already running');
  if (run !== null && t.secureVersion < run.secureVersion) found.push('secure version');
  if (!same && !allowDowngrade) {
    if (runs !== null && offers !== null) {
      if (compareParts(offers, runs) < 0) found.push('downgrade');
    } else if (
      run === null ||
      run.compileDate === 'unknown' ||
      t.compileDate === 'unknown' ||
      // The arbitraries' builds all share one time of day: the same date is the same build time,
      // which says nothing of two different versions.
      run.compileDate === t.compileDate
    ) {
      found.push('order unknown');
    } else if (DATES.indexOf(t.compileDate) < DATES.indexOf(run.compileDate)) found.push('downgrade');
  }
  if (device.rolledBackVersions.has(t.version)) found.push('rolled back');
  const failures = device.attempts.filter(
    (a) =>
      a.file === target.file &&
      a.version === t.version &&
      FAILED.includes(a.state) &&
      (device.penaltyClearedAt === null || a.updatedAt > device.penaltyClearedAt),
  );
  const last = Math.max(...failures.map((a) => a.updatedAt));
  if (failures.length >= penalty.failures && T0 < last + penalty.hours * HOUR) found.push('penalized');
  return found;
}
