import type { Migration } from '../migrations.js';

/**
 * When each rollout was last resumed from a halt, from when its halt rule counts (a resume from a
 * pause no longer clears the count). Rows from before it keep NULL: see rollout-columns.ts.
 */
export const ROLLOUT_HALT_RESUMED_AT: Migration = {
  version: 16,
  name: 'rollout_halt_resumed_at',
  statements: ['ALTER TABLE rollout ADD COLUMN halt_resumed_at bigint'],
};
