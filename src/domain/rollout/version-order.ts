import { buildTimeOf, type ImageFacts } from './image-facts.js';
import { semanticVersionOf, type VersionScheme } from './version-scheme.js';

/** A version as the rules compare it: its string, and its stored image when there is one (for the build time). */
export interface VersionedImage {
  readonly version: string;
  readonly image: Pick<ImageFacts, 'compileDate' | 'compileTime'> | null;
}

/** How two versions compared: the sign of `order` says which is newer, `by` what said so. */
export interface VersionOrder {
  readonly order: number;
  readonly by: 'semver' | 'build-time';
}

/**
 * Which of two versions is newer (the issue's rule): by semver when both strings parse as
 * semantic versions (a leading `v` allowed), otherwise by their images' build date and time
 * when both are known and differ (or the versions are the same). null when neither says: the order is unknown, and callers decide what
 * that means (offer-rules.ts refuses a possible downgrade; candidate order ignores it).
 *
 * Semver is preferred even when both build times are known: a maintenance release (1.4.7) built
 * after 2.0.0 is still older.
 */
export function compareVersions(a: VersionedImage, b: VersionedImage, scheme: VersionScheme): VersionOrder | null {
  const [semverA, semverB] = [semanticVersionOf(a.version, scheme), semanticVersionOf(b.version, scheme)];
  if (semverA !== null && semverB !== null) return { order: Math.sign(scheme.compare(semverA, semverB)), by: 'semver' };
  const builtA = a.image === null ? null : buildTimeOf(a.image);
  const builtB = b.image === null ? null : buildTimeOf(b.image);
  // The same build time says nothing of two different versions (a CI stamping builds in the same
  // second, a fixed build stamp): read as "the same", it let an older one through as no downgrade.
  if (builtA !== null && builtB !== null && (builtA !== builtB || a.version === b.version))
    return { order: Math.sign(builtA - builtB), by: 'build-time' };
  return null;
}
