import type { Migration } from '../migrations.js';

/**
 * The update-file catalog: one row per stored file (the sql.js adapter keeps the change token in
 * a table of its own for databases older than tokens; here it is a column, null when the entry
 * has none). Paths sort by their bytes (`COLLATE "C"`), as in SQLite: `list()` pages on them.
 * `size` is a bigint (files over 2 GiB), `modified_ms` a double (fractional milliseconds), the
 * parsed image a jsonb (null for a file that is not one), `stored_at` the ISO 8601 text as given.
 */
export const UPDATE_FILE: Migration = {
  version: 3,
  name: 'update_file',
  statements: [
    `CREATE TABLE update_file (
       path text COLLATE "C" PRIMARY KEY,
       size bigint NOT NULL,
       sha256 text NOT NULL,
       modified_ms double precision NOT NULL,
       stored_at text NOT NULL,
       image jsonb,
       change_token text
     )`,
  ],
};
