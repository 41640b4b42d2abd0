import { buildTimeOf } from './image-facts.js';
import type { Rollout } from './rollout.js';
import type { RolloutTarget } from './rollout-target.js';
import { semanticVersionOf, type VersionScheme } from './version-scheme.js';

/** A rollout with its target, as the candidate order sees it. */
export interface RankedRollout {
  readonly rollout: Rollout;
  readonly target: RolloutTarget;
}

/**
 * The rollouts in the order they are tried for a device: higher priority first; then the higher
 * target version (by semver); then, among targets whose versions are not semver, the later build;
 * then the rollout id, so that the order is total and the same whatever order the rollouts
 * came in. A target whose version is not semver ranks below every semver one of the same
 * priority: it cannot be placed among them (and a comparator that mixed semver and build
 * times could contradict itself, so the order would depend on the input's order).
 */
export function inCandidateOrder<T extends RankedRollout>(rollouts: readonly T[], scheme: VersionScheme): T[] {
  const keyed = rollouts.map((entry) => ({
    entry,
    priority: entry.rollout.definition.priority,
    semver: semanticVersionOf(entry.target.image.version, scheme),
    built: buildTimeOf(entry.target.image),
    id: entry.rollout.id,
  }));
  keyed.sort((a, b) => {
    if (a.priority !== b.priority) return b.priority - a.priority;
    if (a.semver !== b.semver) {
      if (a.semver === null) return 1;
      if (b.semver === null) return -1;
      const order = scheme.compare(b.semver, a.semver);
      if (order !== 0) return order;
    }
    if (a.semver === null && a.built !== b.built) {
      if (a.built === null) return 1;
      if (b.built === null) return -1;
      return b.built - a.built;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return keyed.map(({ entry }) => entry);
}
