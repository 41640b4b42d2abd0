export type { VersionScheme } from '../domain/rollout/version-scheme.js';

/** The VersionScheme (domain/rollout/version-scheme.ts) the rollout rules are given. */
export const VERSION_SCHEME = Symbol.for('fuota.VersionScheme');
