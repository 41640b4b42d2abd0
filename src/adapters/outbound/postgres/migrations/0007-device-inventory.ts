import type { Migration } from '../migrations.js';

/**
 * The fleet inventory (as the sql.js adapter has it), with PostgreSQL's types: times epoch ms as
 * bigints, `hold` a boolean, `tags` a jsonb array, the running image three columns, all null
 * without one. Device ids in `COLLATE "C"`, as in `device_app`: `list()` pages on them.
 */
export const DEVICE_INVENTORY: Migration = {
  version: 7,
  name: 'device_inventory',
  statements: [
    `CREATE TABLE device_inventory (
       id text COLLATE "C" PRIMARY KEY,
       first_seen bigint NOT NULL,
       last_seen bigint NOT NULL,
       running_version text NOT NULL,
       image_project text,
       image_chip text,
       image_secure_version integer,
       address text NOT NULL,
       auth text NOT NULL,
       polls bigint NOT NULL,
       poll_interval_ms bigint,
       last_status integer NOT NULL,
       tags jsonb NOT NULL,
       hold boolean NOT NULL,
       note text NOT NULL
     )`,
  ],
};
