import type { Migration } from '../migrations.js';

/**
 * What a rollout's caps read under its lock (UpdateAttemptStore.rolloutLoad): its offers of the
 * last minute, and its attempts in flight heard of lately. Without these, every new offer on a
 * rollout of 100,000 attempts would read them all (some 20 ms, with the lock held).
 */
export const ATTEMPT_ROLLOUT_LOAD: Migration = {
  version: 12,
  name: 'update_attempt_rollout_load',
  statements: [
    'CREATE INDEX update_attempt_rollout_offers ON update_attempt (rollout_id, offered_at) WHERE rollout_id IS NOT NULL',
    'CREATE INDEX update_attempt_rollout_in_flight ON update_attempt (rollout_id, updated_at) ' +
      "WHERE rollout_id IS NOT NULL AND state IN ('offered', 'downloading', 'downloaded', 'provisional')",
  ],
};
