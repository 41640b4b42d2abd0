import type { Migration } from '../migrations.js';

/**
 * How each update attempt was delivered (delta updates): `offered_as` 'patch' or 'full' (what the
 * latest answer offering the file named), `downloaded_as` the form its downloads fetched (null
 * before the first), `patch_size` and `patch_id` the offered patch (null when offered full). Rows
 * from before are offers of the full file, and those with downloads were downloads of it, as
 * every download was then.
 */
export const ATTEMPT_DELIVERY: Migration = {
  version: 14,
  name: 'update_attempt_delivery',
  statements: [
    "ALTER TABLE update_attempt ADD COLUMN offered_as text NOT NULL DEFAULT 'full' " +
      "CHECK (offered_as IN ('patch', 'full'))",
    "ALTER TABLE update_attempt ADD COLUMN downloaded_as text CHECK (downloaded_as IN ('patch', 'full'))",
    'ALTER TABLE update_attempt ADD COLUMN patch_size bigint',
    'ALTER TABLE update_attempt ADD COLUMN patch_id text',
    "UPDATE update_attempt SET downloaded_as = 'full' WHERE downloads > 0",
    "ALTER TABLE update_attempt ADD CONSTRAINT update_attempt_patch CHECK ((offered_as = 'patch') = (patch_id IS NOT NULL) " +
      'AND (patch_id IS NULL) = (patch_size IS NULL))',
  ],
};
