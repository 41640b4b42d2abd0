import type { VersionScheme } from '../../../../src/domain/rollout/version-scheme.js';

/*
 * A VersionScheme small enough to read at a glance, for the rollout tests: versions are plain
 * `x.y.z` (no `v`, no pre-release), ranges are one or more space-separated comparators
 * (`>=1.2.0`, `<2.0.0`, `=1.2.3`, or a bare `1.2.3`), all of which must hold. The real one is
 * an adapter over the `semver` package.
 */

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const COMPARATOR = /^(>=|<=|>|<|=)?(.+)$/;

function parts(version: string): readonly number[] {
  return version.split('.').map(Number);
}

function compare(a: string, b: string): number {
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function comparators(range: string): { readonly op: string; readonly version: string }[] | null {
  const list = range.trim().split(/\s+/);
  const parsed = list.map((text) => {
    const match = COMPARATOR.exec(text);
    return match !== null && VERSION.test(match[2] ?? '') ? { op: match[1] ?? '=', version: match[2] ?? '' } : null;
  });
  return range.trim() === '' || parsed.includes(null) ? null : (parsed as { op: string; version: string }[]);
}

function holds(op: string, order: number): boolean {
  switch (op) {
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    default:
      return order === 0;
  }
}

export const fakeVersionScheme: VersionScheme = {
  parse: (version) => (VERSION.test(version) ? version : null),
  compare,
  satisfies: (version, range) =>
    (comparators(range) ?? []).every(({ op, version: bound }) => holds(op, compare(version, bound))),
  validRange: (range) => comparators(range) !== null,
};
