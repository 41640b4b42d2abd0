import type { RolloutSelector, VersionFilter } from './rollout-definition.js';
import type { RolloutDevice } from './rollout-device.js';
import { semanticVersionOf, type VersionScheme } from './version-scheme.js';

/**
 * Whether `selector` picks `device`: every field that narrows (a non-empty list, a non-null
 * value) holds. A selector that names a project or a chip picks only devices whose running image
 * is known and of that project or chip: an unknown image cannot be shown to match.
 */
export function matchesSelector(selector: RolloutSelector, device: RolloutDevice, scheme: VersionScheme): boolean {
  const { tagsAll, tagsAny, devices, versions, project, chip } = selector;
  if (!tagsAll.every((tag) => device.tags.includes(tag))) return false;
  if (tagsAny.length > 0 && !tagsAny.some((tag) => device.tags.includes(tag))) return false;
  if (devices.length > 0 && !devices.includes(device.id)) return false;
  if (!matchesVersions(versions, device.runningVersion, scheme)) return false;
  if (project !== null && device.runningImage?.project !== project) return false;
  if (chip !== null && device.runningImage?.chip !== chip) return false;
  return true;
}

/**
 * An exact list matches the version string as reported (no `v` taken off: the list names the
 * strings the devices send). A range matches a running version that parses as a semantic
 * version (a leading `v` allowed) and satisfies it; other versions are outside every range.
 */
export function matchesVersions(filter: VersionFilter, running: string, scheme: VersionScheme): boolean {
  if (filter === null) return true;
  if (typeof filter !== 'string') return filter.length === 0 || filter.includes(running);
  const version = semanticVersionOf(running, scheme);
  return version !== null && scheme.satisfies(version, filter);
}
