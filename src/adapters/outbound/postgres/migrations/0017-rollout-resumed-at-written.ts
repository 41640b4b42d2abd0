import type { Migration } from '../migrations.js';

/**
 * The `resumed_at` each row had when this code last wrote it, beside `halt_resumed_at`: a row an
 * older release resumed since (a rolling upgrade) keeps that release's rule (rollout-columns.ts).
 */
export const ROLLOUT_RESUMED_AT_WRITTEN: Migration = {
  version: 17,
  name: 'rollout_resumed_at_written',
  statements: ['ALTER TABLE rollout ADD COLUMN resumed_at_written bigint'],
};
