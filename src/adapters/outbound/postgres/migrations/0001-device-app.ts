import type { Migration } from '../migrations.js';

/**
 * The seed's `device_app` table (as the sql.js adapter has it), with PostgreSQL's types. Device
 * ids sort by their bytes (`COLLATE "C"`), as SQLite sorts them, whatever the database's
 * collation: `list()` answers in that order and pages on it. The index finds the rows that name
 * a file without reading the others.
 */
export const DEVICE_APP: Migration = {
  version: 1,
  name: 'device_app',
  statements: [
    `CREATE TABLE device_app (
       device_id text COLLATE "C" PRIMARY KEY,
       app_ver text NOT NULL,
       update_file_path text NOT NULL
     )`,
    'CREATE INDEX device_app_by_update_file ON device_app (update_file_path)',
  ],
};
