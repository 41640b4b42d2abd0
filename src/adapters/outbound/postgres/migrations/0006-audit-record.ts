import type { Migration } from '../migrations.js';

/**
 * The audit log (as the sql.js adapter has it): `at` epoch ms, `detail` a jsonb object, `address`
 * and `request_id` null for a local command. Seqs come from the sequence `audit_seq`, not from
 * the table: a sequence never gives a number twice, also after every record was pruned and after
 * an append that rolled back (which leaves a gap). The index on `at` finds what to prune.
 */
export const AUDIT_RECORD: Migration = {
  version: 6,
  name: 'audit_record',
  statements: [
    'CREATE SEQUENCE audit_seq AS bigint MINVALUE 1 START 1 CACHE 1',
    `CREATE TABLE audit_record (
       seq bigint PRIMARY KEY,
       at bigint NOT NULL,
       actor text NOT NULL,
       address text,
       action text NOT NULL,
       target text NOT NULL,
       detail jsonb NOT NULL,
       request_id text
     )`,
    'CREATE INDEX audit_record_by_time ON audit_record (at)',
  ],
};
