import type { Migration } from '../migrations.js';

/**
 * The `device_credential` table (as the sql.js adapter has it): a device's secret only as its
 * slow hash. `created_at` keeps the ISO 8601 text the port hands over, unchanged (a timestamptz
 * would give it back in another form). Device ids in `COLLATE "C"`, as in `device_app`.
 */
export const DEVICE_CREDENTIAL: Migration = {
  version: 2,
  name: 'device_credential',
  statements: [
    `CREATE TABLE device_credential (
       device_id text COLLATE "C" PRIMARY KEY,
       secret_hash text NOT NULL,
       created_at text NOT NULL
     )`,
  ],
};
