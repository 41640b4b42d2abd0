import { expect } from 'chai';
import pg from 'pg';
import {
  DEVICES_PER_PRUNE,
  FLEET_EVENT_APPEND_LOCK_KEY,
  PostgresFleetEventLog,
} from '../../src/adapters/outbound/postgres/postgres-fleet-event-log.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { FleetEventLog } from '../../src/ports/fleet-event-log.port.js';
import { fleetEventLogContract, newEvent, rolloutEvent } from './fleet-event-log.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL fleet_event', () => {
  const database = usePostgresDatabase();

  /** An empty log, its seqs from 1 again: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<FleetEventLog> {
    const log = await PostgresFleetEventLog.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE fleet_event');
    await client.query("SELECT setval('fleet_event_seq', 1, false)");
    await client.end();
    return log;
  }

  fleetEventLogContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (log) => {
      await log.close();
      return PostgresFleetEventLog.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresFleetEventLog', () => {
    let log: FleetEventLog;
    beforeEach(async () => {
      log = await openEmpty();
    });
    afterEach(() => log.close());

    it('writes all of an append or none, and never gives its seqs to another event', async () => {
      await log.append([newEvent('a', 1)]);
      // A NUL cannot be stored in PostgreSQL text: the last event fails, so the whole append must.
      const failure = await log.append([newEvent('b', 2), rolloutEvent('r\u0000', 3)]).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect((await log.list({ limit: 10 })).map((event) => event.at)).to.deep.equal([1]);
      const [next] = await log.append([newEvent('d', 4)]);
      expect(next!.seq).to.be.greaterThan(3);
      expect(await log.lastSeq()).to.be.at.least(next!.seq);
    });

    it("stores a rollout's own event with no device (null, not a stand-in id)", async () => {
      await log.append([rolloutEvent('r1', 1), newEvent('a', 2)]);
      const client = new pg.Client({ connectionString: database.current().url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT device_id, rollout_id FROM fleet_event ORDER BY seq');
        expect(rows).to.deep.equal([
          { device_id: null, rollout_id: 'r1' },
          { device_id: 'a', rollout_id: null },
        ]);
      } finally {
        await client.end();
      }
    });

    it('numbers appends from two processes in commit order, each append consecutive', async () => {
      const other = await PostgresFleetEventLog.open(database.current().url, { poolSize: 4 });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? log : other).append([newEvent(`d${i}`, i), rolloutEvent('r', i), newEvent(`d${i}`, i)]),
        ),
      );
      for (const result of results) expect(result.map((event) => event.seq - result[0]!.seq)).to.deep.equal([0, 1, 2]);
      const listed = (await other.list({ limit: 1000 })).map((event) => event.seq);
      expect(listed).to.deep.equal(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(await other.lastSeq()).to.equal(120);
      await other.close();
    });

    it('answers lastSeq only once the appends under way have committed', async () => {
      const client = new pg.Client({ connectionString: database.current().url });
      await client.connect();
      try {
        // An append of another process, drawn but not yet committed, holds the lock.
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [FLEET_EVENT_APPEND_LOCK_KEY.toString()]);
        await client.query("SELECT nextval('fleet_event_seq')");
        let answered: number | undefined;
        const asking = log.lastSeq().then((seq) => (answered = seq));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(answered).to.equal(undefined);
        await client.query(
          "INSERT INTO fleet_event (seq, at, device_id, type, detail) VALUES (1, 1, 'a', 'offered', '{}')",
        );
        await client.query('COMMIT');
        expect(await asking).to.equal(1);
        expect((await log.list({ limit: 10 })).map((event) => event.seq)).to.deep.equal([1]);
      } finally {
        await client.end();
      }
    });

    it('prunes across several pages of devices', async () => {
      const devices = Array.from({ length: DEVICES_PER_PRUNE * 2 + 1 }, (_, i) => `d${String(i).padStart(5, '0')}`);
      await log.append(devices.flatMap((device) => [newEvent(device, 1), newEvent(device, 2)]));
      expect(await log.prune({ before: 0, keepPerDevice: 1 })).to.equal(devices.length);
      expect(await log.latest(devices.at(-1) as DeviceId, 10)).to.have.length(1);
      expect((await log.list({ limit: 10_000 })).every((event) => event.at === 2)).to.equal(true);
    });
  });
});
