import semver from 'semver';
import type { VersionScheme } from '../../../domain/rollout/version-scheme.js';

/**
 * Semantic versioning 2.0.0 by the `semver` package (what npm uses).
 *
 * - `parse`: strict: one leading `v` is allowed (`v1.2.3`, as many firmware builds are tagged),
 *   nothing else before or around the version (no `=`, no spaces), no coercion (`1.2` is not a
 *   version). The canonical form drops the `v` and keeps pre-release and build metadata as
 *   written (`v1.2.3-rc.1+b.5` -> `1.2.3-rc.1+b.5`).
 * - `compare`: semver precedence: a pre-release is lower than its release (`1.2.3-rc.1` <
 *   `1.2.3`), pre-release identifiers compare numerically or lexically, and build metadata is
 *   ignored (`1.2.3+a` equals `1.2.3+b`).
 * - `satisfies`: npm's range semantics, pre-releases included: a pre-release version satisfies a
 *   range only when a comparator of the range names a pre-release of the same major.minor.patch
 *   (`>=1.2.0` does not take `2.0.0-rc.1`; `>=2.0.0-0` does). Build metadata is ignored.
 * - `validRange`: any range npm takes (comparators, `x` ranges, `~`, `^`, hyphen ranges, `||`),
 *   except the empty (or blank) string, which npm reads as "any version": a selector that means
 *   any version says so with null.
 */
export const semverVersionScheme: VersionScheme = {
  parse(version: string): string | null {
    const bare = version.startsWith('v') ? version.slice(1) : version;
    // semver.parse itself would also take `=`, `v` again and surrounding spaces.
    if (!/^[0-9]/.test(bare) || /\s/.test(bare)) return null;
    const parsed = semver.parse(bare);
    if (parsed === null) return null;
    return parsed.build.length === 0 ? parsed.version : `${parsed.version}+${parsed.build.join('.')}`;
  },

  compare(a: string, b: string): number {
    return semver.compare(a, b);
  },

  satisfies(version: string, range: string): boolean {
    return semver.satisfies(version, range);
  },

  validRange(range: string): boolean {
    return range.trim() !== '' && semver.validRange(range) !== null;
  },
};
