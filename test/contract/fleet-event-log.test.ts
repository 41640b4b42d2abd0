import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryFleetEventLog } from '../../src/adapters/outbound/memory/in-memory-fleet-event-log.js';
import { expect } from 'chai';
import { SqlJsDatabase } from '../../src/adapters/outbound/sqljs/sqljs-database.js';
import { SqlJsFleetEventLog } from '../../src/adapters/outbound/sqljs/sqljs-fleet-event-log.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import { crashCopy } from '../support/crash-copy.js';
import { fleetEventLogContract, newEvent, rolloutEvent } from './fleet-event-log.contract.js';

fleetEventLogContract('in-memory', { open: async () => new InMemoryFleetEventLog() });

let directory = '';
let crashes = 0;
fleetEventLogContract('sql.js on a file', {
  open: async () => {
    directory = await mkdtemp(join(tmpdir(), 'fuota-events-'));
    return SqlJsFleetEventLog.open(join(directory, 'devices.db'));
  },
  reopen: async (log) => {
    await log.close();
    return SqlJsFleetEventLog.open(join(directory, 'devices.db'));
  },
  crashCopy: async () => {
    const crashed = join(directory, `crash-${crashes++}`);
    await crashCopy(directory, crashed);
    return SqlJsFleetEventLog.open(join(crashed, 'devices.db'));
  },
  cleanup: () => rm(directory, { recursive: true, force: true }),
});

describe('SqlJsFleetEventLog: an event whose time is not a number', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is refused before anything is journaled; the appends around it keep their seqs, after a reopen too', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-events-nan-'));
    const file = join(dir, 'devices.db');
    const log = await SqlJsFleetEventLog.open(file);
    const [first] = await log.append([newEvent('a', 1)]);
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY]) {
      let refused: unknown;
      await log.append([newEvent('a', 2), newEvent('b', at)]).catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(TypeError);
    }
    const [second] = await log.append([newEvent('b', 3)]);
    expect(second?.seq).to.equal((first?.seq ?? 0) + 1);
    await log.close();
    const reopened = await SqlJsFleetEventLog.open(file);
    const listed = await reopened.list({ limit: 10 });
    expect(listed.map((event) => [event.deviceId, event.at])).to.deep.equal([
      ['a', 1],
      ['b', 3],
    ]);
    await reopened.close();
  });
});

/** The tables as the release before rollouts made them, and its append (five columns). */
const SCHEMA_BEFORE_ROLLOUTS = [
  'CREATE TABLE IF NOT EXISTS fleet_event (' +
    'seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, device_id TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL)',
  'CREATE INDEX IF NOT EXISTS fleet_event_by_device ON fleet_event (device_id, seq)',
  'CREATE INDEX IF NOT EXISTS fleet_event_by_time ON fleet_event (at)',
  'CREATE TABLE IF NOT EXISTS fleet_event_seq (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL)',
];
const APPEND_BEFORE_ROLLOUTS =
  'INSERT OR REPLACE INTO fleet_event (seq, at, device_id, type, detail) ' +
  'SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?)';
const RAISE_SEQ =
  'INSERT INTO fleet_event_seq (id, seq) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)';

describe('SqlJsFleetEventLog on a database made before rollouts', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("adds the rollout column, keeps every event as a device's, and takes rollouts' events after them", async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-events-old-'));
    const file = join(dir, 'devices.db');
    const old = await SqlJsDatabase.open(file, SCHEMA_BEFORE_ROLLOUTS);
    await old.write([
      [APPEND_BEFORE_ROLLOUTS, [JSON.stringify([[1, 10, 'a', 'first-seen', {}]])]],
      [RAISE_SEQ, [1]],
    ]);
    await old.close();
    // The old release's last append only in its journal, as a crash leaves it: replayed onto the new column.
    const older = await SqlJsDatabase.open(file, SCHEMA_BEFORE_ROLLOUTS);
    await older.write([
      [APPEND_BEFORE_ROLLOUTS, [JSON.stringify([[2, 20, 'a', 'offered', { file: 'fw/a.bin' }]])]],
      [RAISE_SEQ, [2]],
    ]);
    await crashCopy(dir, join(dir, 'crashed'));
    await older.close();

    const reopened = join(dir, 'crashed', 'devices.db');
    const log = await SqlJsFleetEventLog.open(reopened);
    try {
      expect(await log.list({ limit: 10 })).to.deep.equal([
        { ...newEvent('a', 10, 'first-seen', {}), seq: 1 },
        { ...newEvent('a', 20, 'offered'), seq: 2 },
      ]);
      expect(await log.append([rolloutEvent('r1', 30)])).to.deep.equal([{ ...rolloutEvent('r1', 30), seq: 3 }]);
    } finally {
      await log.close();
    }
    const again = await SqlJsFleetEventLog.open(reopened);
    try {
      expect(await again.list({ rolloutId: 'r1', limit: 10 })).to.deep.equal([{ ...rolloutEvent('r1', 30), seq: 3 }]);
      expect((await again.latest('a' as DeviceId, 10)).map((event) => event.seq)).to.deep.equal([2, 1]);
    } finally {
      await again.close();
    }
  });
});
