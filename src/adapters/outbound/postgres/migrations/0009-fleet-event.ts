import type { Migration } from '../migrations.js';

/**
 * The fleet event log: devices' events and rollouts' in one seq space. `at` is epoch ms,
 * `detail` a jsonb object. A device's event has its `device_id` and no `rollout_id`; a rollout's
 * has its `rollout_id`, and a `device_id` only when it names a device (`device.penalized`), null
 * otherwise (the sql.js adapter stores '' there, its column being NOT NULL from before rollouts;
 * here the column is nullable from the start, and every event names a device or a rollout).
 * Seqs come from the sequence `fleet_event_seq`, not from the table: a sequence never gives a
 * number twice, also after every event was pruned and after an append that rolled back (which
 * leaves a gap). The indexes serve a device's events (`latest`, `list` by device, pruning), a
 * rollout's (partial: a fleet without rollouts pays nothing for it), and pruning by age.
 */
export const FLEET_EVENT: Migration = {
  version: 9,
  name: 'fleet_event',
  statements: [
    'CREATE SEQUENCE fleet_event_seq AS bigint MINVALUE 1 START 1 CACHE 1',
    `CREATE TABLE fleet_event (
       seq bigint PRIMARY KEY,
       at bigint NOT NULL,
       device_id text COLLATE "C",
       type text NOT NULL,
       detail jsonb NOT NULL,
       rollout_id text COLLATE "C",
       CHECK (device_id IS NOT NULL OR rollout_id IS NOT NULL)
     )`,
    'CREATE INDEX fleet_event_by_device ON fleet_event (device_id, seq) WHERE device_id IS NOT NULL',
    'CREATE INDEX fleet_event_by_rollout ON fleet_event (rollout_id, seq) WHERE rollout_id IS NOT NULL',
    'CREATE INDEX fleet_event_by_time ON fleet_event (at)',
  ],
};
