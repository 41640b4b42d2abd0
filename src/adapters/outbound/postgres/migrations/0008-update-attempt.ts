import type { Migration } from '../migrations.js';

/**
 * Update attempts (as the sql.js adapter has them), with PostgreSQL's types: times epoch ms as
 * bigints, the served spans a jsonb array of [start, end], `rollout_id` and `rollout_wave` the
 * rollout that made the offer and its wave then, both null for a device row's offer (never one
 * without the other). Ids and device ids in `COLLATE "C"`: ids sort in offer order by their
 * bytes, as in SQLite. The first index serves a device's newest attempts, `recent` and pruning
 * (a device's newest attempt is its greatest id); the second, partial (a fleet without rollouts
 * pays nothing for it), a rollout's attempts.
 */
export const UPDATE_ATTEMPT: Migration = {
  version: 8,
  name: 'update_attempt',
  statements: [
    `CREATE TABLE update_attempt (
       id text COLLATE "C" PRIMARY KEY,
       device_id text COLLATE "C" NOT NULL,
       file text NOT NULL,
       file_size bigint NOT NULL,
       version text,
       from_version text NOT NULL,
       state text NOT NULL,
       offered_at bigint NOT NULL,
       updated_at bigint NOT NULL,
       attribution text,
       downloads integer NOT NULL,
       served jsonb NOT NULL,
       provisional_at bigint,
       polls_since_provisional integer NOT NULL,
       downloaded_at bigint,
       rollout_id text COLLATE "C",
       rollout_wave integer,
       CHECK ((rollout_id IS NULL) = (rollout_wave IS NULL))
     )`,
    'CREATE INDEX update_attempt_by_device ON update_attempt (device_id, id)',
    'CREATE INDEX update_attempt_by_rollout ON update_attempt (rollout_id, id) WHERE rollout_id IS NOT NULL',
  ],
};
