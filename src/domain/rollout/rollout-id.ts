/**
 * A rollout's identifier: 1-32 of `A-Z a-z 0-9 _ -`. Short and URL-safe because it appears in
 * API paths and in the per-attempt download paths (at most 255 characters with the device id),
 * and it seeds the wave buckets (wave-bucket.ts): it must never change once a rollout exists.
 */
export type RolloutId = string & { readonly __brand: 'RolloutId' };

/** The rule as a pattern, for the HTTP adapter's schemas and the API description. */
export const ROLLOUT_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const ROLLOUT_ID_RULE = 'rollout id must be 1-32 characters of A-Z a-z 0-9 _ -';

export function isRolloutId(raw: string): raw is RolloutId {
  return ROLLOUT_ID_PATTERN.test(raw);
}
