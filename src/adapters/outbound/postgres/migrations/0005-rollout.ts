import type { Migration } from '../migrations.js';

/**
 * One row per rollout (as the sql.js adapter has it): the definition and the halt reason as
 * jsonb (the halt reason null when not halted), times epoch ms as bigints. `position` is the
 * creation order: an identity drawn at the first put of an id and kept by every replace (an
 * upsert that finds the row leaves it alone; the number it drew is skipped).
 */
export const ROLLOUT: Migration = {
  version: 5,
  name: 'rollout',
  statements: [
    `CREATE TABLE rollout (
       id text COLLATE "C" PRIMARY KEY,
       position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
       definition jsonb NOT NULL,
       state text NOT NULL,
       wave integer NOT NULL,
       created_at bigint NOT NULL,
       updated_at bigint NOT NULL,
       started_at bigint,
       wave_started_at bigint,
       resumed_at bigint,
       halt_reason jsonb,
       ended_at bigint
     )`,
  ],
};
