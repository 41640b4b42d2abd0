import type { Migration } from '../migrations.js';

/**
 * The client address each attempt's offer was answered to (null in rows from before), and the
 * indexes that find the attempts not ended of one file, or of one patch, offered to one address
 * and updated lately: a download with the shared credential names no device, and the instance
 * or worker that serves it may not be the one that made the offer.
 */
export const ATTEMPT_OFFER_ADDRESS: Migration = {
  version: 15,
  name: 'update_attempt_offer_address',
  statements: [
    'ALTER TABLE update_attempt ADD COLUMN offer_address text',
    'CREATE INDEX update_attempt_open_by_file ON update_attempt (file, offer_address, updated_at) ' +
      "WHERE state NOT IN ('succeeded', 'rolled-back', 'download-failed', 'refused')",
    'CREATE INDEX update_attempt_open_by_patch ON update_attempt (patch_id, offer_address, updated_at) ' +
      "WHERE patch_id IS NOT NULL AND state NOT IN ('succeeded', 'rolled-back', 'download-failed', 'refused')",
  ],
};
