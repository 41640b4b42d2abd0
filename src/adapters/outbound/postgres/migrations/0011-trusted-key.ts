import type { Migration } from '../migrations.js';

/**
 * One row per trusted key added through the API (as the sql.js adapter has it); `position`, an
 * identity drawn at the first insert and kept by updates, keeps the order keys were added.
 */
export const TRUSTED_KEY: Migration = {
  version: 11,
  name: 'trusted_key',
  statements: [
    `CREATE TABLE trusted_key (
       key_digest text COLLATE "C" PRIMARY KEY,
       scheme text,
       name text,
       added_at text NOT NULL,
       position bigint GENERATED ALWAYS AS IDENTITY
     )`,
  ],
};
