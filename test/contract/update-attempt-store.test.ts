import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryUpdateAttemptStore } from '../../src/adapters/outbound/memory/in-memory-update-attempt-store.js';
import { expect } from 'chai';
import type { SqlValue } from 'sql.js';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import { SqlJsUpdateAttemptStore } from '../../src/adapters/outbound/sqljs/sqljs-update-attempt-store.js';
import type { UpdateAttempt } from '../../src/domain/fleet/update-attempt.js';
import { crashCopy } from '../support/crash-copy.js';
import { collect, updateAttempt, updateAttemptStoreContract } from './update-attempt-store.contract.js';

updateAttemptStoreContract('in-memory', { open: async () => new InMemoryUpdateAttemptStore() });

let directory = '';
let crashes = 0;
updateAttemptStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-attempts-'));
    return SqlJsUpdateAttemptStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsUpdateAttemptStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsUpdateAttemptStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});

/** The table as the release before rollouts made it, and its upsert (fifteen columns). */
const SCHEMA_BEFORE_ROLLOUTS = [
  'CREATE TABLE IF NOT EXISTS update_attempt (' +
    'id TEXT PRIMARY KEY, device_id TEXT NOT NULL, file TEXT NOT NULL, file_size INTEGER NOT NULL, version TEXT, ' +
    'from_version TEXT NOT NULL, state TEXT NOT NULL, offered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ' +
    'attribution TEXT, downloads INTEGER NOT NULL, served TEXT NOT NULL, provisional_at INTEGER, ' +
    'polls_since_provisional INTEGER NOT NULL, downloaded_at INTEGER)',
  'CREATE INDEX IF NOT EXISTS update_attempt_by_device ON update_attempt (device_id, id)',
];
const PUT_BEFORE_ROLLOUTS =
  'INSERT OR REPLACE INTO update_attempt (id, device_id, file, file_size, version, from_version, state, offered_at, ' +
  'updated_at, attribution, downloads, served, provisional_at, polls_since_provisional, downloaded_at) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

function oldRow(attempt: UpdateAttempt): SqlValue[] {
  return [
    attempt.id,
    attempt.deviceId,
    attempt.file,
    attempt.fileSize,
    attempt.version,
    attempt.fromVersion,
    attempt.state,
    attempt.offeredAt,
    attempt.updatedAt,
    attempt.attribution,
    attempt.downloads,
    JSON.stringify(attempt.served),
    attempt.provisionalAt,
    attempt.pollsSinceProvisional,
    attempt.downloadedAt,
  ];
}

describe('SqlJsUpdateAttemptStore on a database made before rollouts', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('adds the rollout, delivery and offer-address columns, keeps every attempt (rollout and address null, offered and downloaded full), and takes new ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-attempts-old-'));
    const file = join(dir, 'devices.db');
    const before = {
      rollout: null,
      offeredAs: 'full',
      downloadedAs: 'full',
      patchSize: null,
      patchId: null,
      offerAddress: null,
    } as const;
    const folded = updateAttempt('0001', 'a', before);
    const journaled = updateAttempt('0002', 'b', { ...before, state: 'offered' });
    const old = await SqlJsDatabase.open(file, SCHEMA_BEFORE_ROLLOUTS);
    await old.write([[PUT_BEFORE_ROLLOUTS, oldRow(folded)]]);
    await old.close();
    // The old release's last write only in its journal, as a crash leaves it: replayed onto the new columns.
    const older = await SqlJsDatabase.open(file, SCHEMA_BEFORE_ROLLOUTS);
    await older.write([[PUT_BEFORE_ROLLOUTS, oldRow(journaled)]]);
    await crashCopy(dir, join(dir, 'crashed'));
    await older.close();

    const store = await SqlJsUpdateAttemptStore.open(join(dir, 'crashed', 'devices.db'));
    try {
      expect(await collect(store.recent(10))).to.deep.equal([folded, journaled]);
      const fromRollout = updateAttempt('0003', 'a', { rollout: { id: 'r1', wave: 1 } });
      await store.putMany([fromRollout]);
      expect(await store.forRollout('r1')).to.deep.equal([fromRollout]);
    } finally {
      await store.close();
    }
    // Opened again, the columns are there already (adding them again would fail) and hold what was written.
    const again = await SqlJsUpdateAttemptStore.open(join(dir, 'crashed', 'devices.db'));
    try {
      expect(ids(await collect(again.recent(10)))).to.deep.equal(['0003', '0001', '0002']);
      expect(await again.forRollout('r1')).to.deep.equal([
        updateAttempt('0003', 'a', { rollout: { id: 'r1', wave: 1 } }),
      ]);
    } finally {
      await again.close();
    }
  });
});

const ids = (attempts: readonly UpdateAttempt[]): string[] => attempts.map((attempt) => attempt.id);
