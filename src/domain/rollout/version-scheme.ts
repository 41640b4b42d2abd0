/**
 * Semantic versioning, as the domain needs it. The domain imports no package, so the rules of
 * semver (pre-releases, build metadata, range syntax) come from outside: an adapter implements
 * this with the `semver` package, tests with a small fake. Versions given to `compare` and
 * `satisfies` are what `parse` returned.
 */
export interface VersionScheme {
  /** The version in canonical form, or null when `version` is not a semantic version. */
  parse(version: string): string | null;
  /** Negative, 0 or positive as `a` is lower than, equal to or higher than `b`. */
  compare(a: string, b: string): number;
  /** Whether `version` is in `range` (`range` passed `validRange`). */
  satisfies(version: string, range: string): boolean;
  validRange(range: string): boolean;
}

/**
 * `raw` as a semantic version, allowing one leading `v` (`v1.2.3`, as many firmware projects
 * tag their builds), or null. The `v` is taken off here, not left to the scheme, so that every
 * scheme reads the same strings as versions.
 */
export function semanticVersionOf(raw: string, scheme: VersionScheme): string | null {
  return scheme.parse(raw.startsWith('v') ? raw.slice(1) : raw);
}
