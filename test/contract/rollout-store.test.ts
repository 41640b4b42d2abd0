import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InMemoryRolloutStore } from '../../src/adapters/outbound/memory/in-memory-rollout-store.js';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import { SqlJsRolloutStore } from '../../src/adapters/outbound/sqljs/sqljs-rollout-store.js';
import { rolloutColumnValues } from '../../src/adapters/outbound/rollout-columns.js';
import { crashCopy } from '../support/crash-copy.js';
import { rolloutStoreContract, storedRollout } from './rollout-store.contract.js';

rolloutStoreContract('in-memory', { open: async () => new InMemoryRolloutStore() });

let directory = '';
let crashes = 0;
rolloutStoreContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-rollouts-'));
    return SqlJsRolloutStore.open(join(directory, 'devices.db'));
  },
  reopen: async (store) => {
    await store.close();
    return SqlJsRolloutStore.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsRolloutStore.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});

describe('SqlJsRolloutStore on a database of a release before halt_resumed_at', () => {
  // That release's table and upsert, as its database files and journals hold them.
  const OLD_TABLE =
    'CREATE TABLE IF NOT EXISTS rollout (' +
    'id TEXT PRIMARY KEY, position INTEGER NOT NULL, definition TEXT NOT NULL, state TEXT NOT NULL, ' +
    'wave INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, started_at INTEGER, ' +
    'wave_started_at INTEGER, resumed_at INTEGER, halt_reason TEXT, ended_at INTEGER)';
  const OLD_INSERT =
    'INSERT INTO rollout (position, id, definition, state, wave, created_at, updated_at, started_at, ' +
    'wave_started_at, resumed_at, halt_reason, ended_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  let old = '';

  beforeEach(async () => {
    old = await mkdtemp(join(tmpdir(), 'fuota-rollouts-old-'));
  });
  afterEach(() => rm(old, { recursive: true, force: true }));

  /** A running rollout that release wrote after a resume (from a pause or a halt: it did not tell). */
  async function writtenByOldRelease(checkpoint: boolean): Promise<string> {
    const database = await SqlJsDatabase.open(join(old, 'devices.db'), [OLD_TABLE]);
    const rollout = storedRollout('r-1', { state: 'running', haltReason: null });
    await database.write([
      [
        OLD_INSERT,
        // That release's columns are the first eleven of this one's, in the same order.
        rolloutColumnValues(rollout).slice(0, 11),
      ],
    ]);
    if (!checkpoint) {
      // Killed with the write in the journal only: replayed into the new table.
      const crashed = join(old, 'crashed');
      await crashCopy(old, crashed);
      await database.close();
      return join(crashed, 'devices.db');
    }
    await database.close();
    return join(old, 'devices.db');
  }

  it('counts from the last resume once an older release resumed a rollout this one wrote (a rolling upgrade)', async () => {
    const file = join(old, 'devices.db');
    const store = await SqlJsRolloutStore.open(file);
    await store.put(storedRollout('r-1', { state: 'running', haltReason: null, haltResumedAt: null }));
    await store.close();
    // That release's upsert names the columns it knows: resumed_at moves, the others stay.
    const database = await SqlJsDatabase.open(file, [OLD_TABLE]);
    await database.write([["UPDATE rollout SET resumed_at = 1767229999000 WHERE id = 'r-1'", []]]);
    await database.close();
    const again = await SqlJsRolloutStore.open(file);
    const [read] = await again.list();
    expect(read).to.include({ resumedAt: 1_767_229_999_000, haltResumedAt: 1_767_229_999_000 });
    await again.close();
  });

  for (const checkpoint of [true, false]) {
    it(`counts its failures from its last resume, as that release did (${checkpoint ? 'in the file' : 'in the journal'})`, async () => {
      const store = await SqlJsRolloutStore.open(await writtenByOldRelease(checkpoint));
      const [read] = await store.list();
      expect(read?.haltResumedAt).to.equal(storedRollout('r-1').resumedAt);
      await store.close();
    });
  }
});
