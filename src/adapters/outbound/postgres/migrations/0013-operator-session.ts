import type { Migration } from '../migrations.js';

/**
 * The dashboard's sign-ins, shared by every server on the database: one row per session under
 * the SHA-256 digest of its cookie's token (base64; never the token). Times are epoch ms, as
 * bigints. `expires_at` is indexed for the sweep of expired sessions, `created_at` for the bound
 * (the oldest give way).
 */
export const OPERATOR_SESSION: Migration = {
  version: 13,
  name: 'operator_session',
  statements: [
    `CREATE TABLE operator_session (
       token_digest text COLLATE "C" PRIMARY KEY,
       username text NOT NULL,
       csrf_token text NOT NULL,
       created_at bigint NOT NULL,
       expires_at bigint NOT NULL
     )`,
    'CREATE INDEX operator_session_expires_at ON operator_session (expires_at)',
    'CREATE INDEX operator_session_created_at ON operator_session (created_at, token_digest)',
  ],
};
