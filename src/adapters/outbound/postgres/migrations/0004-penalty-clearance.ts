import type { Migration } from '../migrations.js';

/**
 * One row per device an operator cleared (as the sql.js adapter has it); `cleared_at` is epoch
 * ms, a bigint. Device ids in `COLLATE "C"`, as in `device_app`.
 */
export const PENALTY_CLEARANCE: Migration = {
  version: 4,
  name: 'penalty_clearance',
  statements: [
    `CREATE TABLE penalty_clearance (
       device_id text COLLATE "C" PRIMARY KEY,
       cleared_at bigint NOT NULL
     )`,
  ],
};
