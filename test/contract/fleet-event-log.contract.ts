import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { DeviceEventType, FleetEvent, NewFleetEvent } from '../../src/domain/fleet/fleet-event.js';
import type { NewRolloutEvent, RolloutEventType } from '../../src/domain/rollout/rollout-event.js';
import type { RolloutId } from '../../src/domain/rollout/rollout-id.js';
import type { FleetEventLog } from '../../src/ports/fleet-event-log.port.js';

export function newEvent(
  deviceId: string,
  at: number,
  type: DeviceEventType = 'offered',
  detail: NewFleetEvent['detail'] = { file: 'fw/a.bin' },
): NewFleetEvent {
  return { deviceId: deviceId as DeviceId, at, type, detail };
}

/** A rollout's event; `deviceId` only for `device.penalized`. */
export function rolloutEvent(
  rolloutId: string,
  at: number,
  type: RolloutEventType = 'rollout.started',
  deviceId: string | null = null,
  detail: NewRolloutEvent['detail'] = { wave: 0, percent: 1 },
): NewRolloutEvent {
  return { rolloutId: rolloutId as RolloutId, deviceId: deviceId as DeviceId | null, at, type, detail };
}

const penalized = (rolloutId: string, deviceId: string, at: number): NewRolloutEvent =>
  rolloutEvent(rolloutId, at, 'device.penalized', deviceId, {
    file: 'fw/a.bin',
    version: '2.0.0',
    failures: 3,
    until: at + 86_400_000,
  });

const seqs = (events: readonly FleetEvent[]): number[] => events.map((event) => event.seq);
const ats = (events: readonly FleetEvent[]): number[] => events.map((event) => event.at);

/**
 * What every FleetEventLog adapter promises. `open` gives a fresh, empty log; `reopen` (durable
 * adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the files as
 * they are on disk now, as a process killed at this instant leaves them.
 */
export function fleetEventLogContract(
  name: string,
  hooks: {
    open: () => Promise<FleetEventLog>;
    reopen?: (log: FleetEventLog) => Promise<FleetEventLog>;
    crashCopy?: () => Promise<FleetEventLog>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`FleetEventLog contract: ${name}`, () => {
    let log: FleetEventLog;

    beforeEach(async () => {
      log = await hooks.open();
    });

    afterEach(async () => {
      await log.close();
      await hooks.cleanup?.();
    });

    it('starts empty, with no seq given', async () => {
      expect(await log.lastSeq()).to.equal(0);
      expect(await log.list({ limit: 10 })).to.deep.equal([]);
      expect(await log.latest('d1' as DeviceId, 10)).to.deep.equal([]);
      expect(await log.append([])).to.deep.equal([]);
      expect(await log.lastSeq()).to.equal(0);
    });

    it('numbers appended events ascending from 1 and reads back every field as written', async () => {
      const events = [
        newEvent('d1', 1_767_225_600_000, 'first-seen', {}),
        newEvent('d1', 1_767_225_600_001, 'device-changed', {
          note: 'Küche ✓ 🔥 "q" \'s\'',
          hold: true,
          off: false,
          polls: 3,
          ratio: 0.25,
          by: null,
        }),
        newEvent("d2' OR '1'='1", 1_767_225_600_002, 'version-changed', { from: '1.0', to: null }),
      ];
      const appended = await log.append(events);
      expect(appended).to.deep.equal(events.map((event, i) => ({ ...event, seq: i + 1 })));
      expect(await log.list({ limit: 10 })).to.deep.equal(appended);
      expect(await log.lastSeq()).to.equal(3);
      const more = await log.append([newEvent('d1', 5)]);
      expect(seqs(more)).to.deep.equal([4]);
    });

    it("numbers rollouts' events in the same seq space and reads back every field as written", async () => {
      const events = [
        newEvent('d1', 1, 'first-seen', {}),
        rolloutEvent('spring_2027-a', 2, 'rollout.started', null, { wave: 0, percent: 0.5 }),
        penalized('spring_2027-a', 'd1', 3),
        rolloutEvent('spring_2027-a', 4, 'rollout.halted', null, {
          reason: 'failure-percent',
          text: '3 of 10 "failed"',
          resolved: 10,
          succeeded: 7,
          failed: 3,
          failurePercent: 20,
          failureCount: 5,
          wave: 0,
        }),
        newEvent('d1', 5, 'offered'),
      ];
      const appended = await log.append(events);
      expect(appended).to.deep.equal(events.map((event, i) => ({ ...event, seq: i + 1 })));
      expect(await log.list({ limit: 10 })).to.deep.equal(appended);
      // A device's event has no rolloutId at all, a rollout's always has one.
      expect(appended.map((event) => 'rolloutId' in event)).to.deep.equal([false, true, true, true, false]);
      expect(await log.lastSeq()).to.equal(5);
    });

    it("lists a rollout's events, a device's with the penalties naming it, and rollout types", async () => {
      await log.append([
        rolloutEvent('r1', 1),
        newEvent('a', 2, 'offered'),
        penalized('r1', 'a', 3),
        rolloutEvent('r2', 4),
        penalized('r2', 'b', 5),
        rolloutEvent('r1', 6, 'rollout.resumed'),
        newEvent('b', 7, 'rolled-back'),
      ]);
      expect(ats(await log.list({ rolloutId: 'r1', limit: 100 }))).to.deep.equal([1, 3, 6]);
      expect(ats(await log.list({ rolloutId: 'r1', after: 1, limit: 1 }))).to.deep.equal([3]);
      expect(ats(await log.list({ rolloutId: 'nobody', limit: 100 }))).to.deep.equal([]);
      expect(ats(await log.list({ deviceId: 'a' as DeviceId, limit: 100 }))).to.deep.equal([2, 3]);
      expect(ats(await log.list({ type: 'device.penalized', limit: 100 }))).to.deep.equal([3, 5]);
      expect(ats(await log.list({ type: 'rollout.started', limit: 100 }))).to.deep.equal([1, 4]);
      expect(ats(await log.list({ type: 'device.penalized', deviceId: 'b' as DeviceId, limit: 100 }))).to.deep.equal([
        5,
      ]);
      expect(
        ats(await log.list({ type: 'device.penalized', rolloutId: 'r2', deviceId: 'b' as DeviceId, limit: 100 })),
      ).to.deep.equal([5]);
      expect(ats(await log.list({ rolloutId: 'r2', deviceId: 'a' as DeviceId, limit: 100 }))).to.deep.equal([]);
    });

    it("gives a device's newest events with the penalties naming it, never a rollout's own", async () => {
      await log.append([newEvent('a', 1), rolloutEvent('r1', 2), penalized('r1', 'a', 3), penalized('r1', 'b', 4)]);
      expect(await log.latest('a' as DeviceId, 10)).to.deep.equal([
        { ...penalized('r1', 'a', 3), seq: 3 },
        { ...newEvent('a', 1), seq: 1 },
      ]);
      expect(ats(await log.latest('b' as DeviceId, 10))).to.deep.equal([4]);
    });

    it("prunes a rollout's own events by age only, and counts a penalty against its device", async () => {
      await log.append([
        rolloutEvent('r1', 10),
        newEvent('a', 20),
        rolloutEvent('r1', 30, 'rollout.wave-advanced'),
        penalized('r1', 'a', 40),
        rolloutEvent('r1', 50, 'rollout.completed'),
        newEvent('a', 60),
      ]);
      // None is old; each device keeps its newest one: a's first event and its penalty go, the rollout's stay.
      expect(await log.prune({ before: 0, keepPerDevice: 1 })).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([10, 30, 50, 60]);
      expect(await log.prune({ before: 0, keepPerDevice: 0 })).to.equal(1);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([10, 30, 50]);
      expect(await log.prune({ before: 31, keepPerDevice: 100 })).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([50]);
      expect(await log.lastSeq()).to.equal(6);
    });

    it('prunes more device-less events than one chunk holds', async () => {
      await log.append(Array.from({ length: 12_000 }, (_, i) => rolloutEvent(`r${i % 7}`, i)));
      expect(await log.prune({ before: 11_000, keepPerDevice: 0 })).to.equal(11_000);
      expect(ats(await log.list({ limit: 1 }))).to.deep.equal([11_000]);
    });

    it("deletes a device's events and the penalties naming it, not its rollouts' own", async () => {
      await log.append([newEvent('a', 1), rolloutEvent('r1', 2), penalized('r1', 'a', 3), penalized('r1', 'b', 4)]);
      expect(await log.deleteDevice('a' as DeviceId)).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([2, 4]);
    });

    it('gives concurrent appends distinct seqs, each in its order', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => log.append([newEvent(`d${i}`, i), newEvent(`d${i}`, i + 1)])),
      );
      for (const result of results) expect(result[1]!.seq).to.equal(result[0]!.seq + 1);
      const all = results.flatMap(seqs);
      expect(new Set(all).size).to.equal(100);
      expect(seqs(await log.list({ limit: 1000 }))).to.deep.equal([...all].sort((a, b) => a - b));
      expect(await log.lastSeq()).to.equal(Math.max(...all));
    });

    it('never gives a seq again after the newest events were pruned or deleted', async () => {
      await log.append([newEvent('d1', 10), newEvent('d1', 20), newEvent('d2', 30)]);
      expect(await log.prune({ before: 1000, keepPerDevice: 10 })).to.equal(3);
      expect(await log.lastSeq()).to.equal(3);
      expect(seqs(await log.append([newEvent('d1', 2000)]))).to.deep.equal([4]);
      expect(await log.deleteDevice('d1' as DeviceId)).to.equal(1);
      expect(seqs(await log.append([newEvent('d3', 3000)]))).to.deep.equal([5]);
    });

    it('lists events after a cursor, of one device, of one type, at most the limit, ascending', async () => {
      await log.append([
        newEvent('a', 1, 'first-seen'),
        newEvent('b', 2, 'first-seen'),
        newEvent('a', 3, 'offered'),
        newEvent('b', 4, 'offered'),
        newEvent('a', 5, 'downloading'),
        newEvent('a', 6, 'offered'),
      ]);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(ats(await log.list({ after: 3, limit: 100 }))).to.deep.equal([4, 5, 6]);
      expect(ats(await log.list({ after: 6, limit: 100 }))).to.deep.equal([]);
      expect(ats(await log.list({ limit: 2 }))).to.deep.equal([1, 2]);
      expect(ats(await log.list({ deviceId: 'a' as DeviceId, limit: 100 }))).to.deep.equal([1, 3, 5, 6]);
      expect(ats(await log.list({ type: 'offered', limit: 100 }))).to.deep.equal([3, 4, 6]);
      expect(ats(await log.list({ deviceId: 'a' as DeviceId, type: 'offered', limit: 100 }))).to.deep.equal([3, 6]);
      expect(ats(await log.list({ deviceId: 'a' as DeviceId, type: 'offered', after: 3, limit: 1 }))).to.deep.equal([
        6,
      ]);
      expect(ats(await log.list({ deviceId: 'a' as DeviceId, after: 1, limit: 2 }))).to.deep.equal([3, 5]);
      expect(await log.list({ deviceId: 'nobody' as DeviceId, limit: 100 })).to.deep.equal([]);
    });

    it('pages through many events with the cursor, each once', async () => {
      const events = Array.from({ length: 12_345 }, (_, i) => newEvent(`d${i % 13}`, i));
      await log.append(events);
      const seen: number[] = [];
      let after = 0;
      for (;;) {
        const page = await log.list({ after, limit: 2500 });
        if (page.length === 0) break;
        seen.push(...ats(page));
        after = page.at(-1)!.seq;
      }
      expect(seen).to.deep.equal(events.map((event) => event.at));
      expect(await log.lastSeq()).to.equal(12_345);
    });

    it("gives one device's newest events, newest first, at most the limit", async () => {
      await log.append([newEvent('a', 1), newEvent('b', 2), newEvent('a', 3), newEvent('a', 4), newEvent('b', 5)]);
      expect(ats(await log.latest('a' as DeviceId, 10))).to.deep.equal([4, 3, 1]);
      expect(ats(await log.latest('a' as DeviceId, 2))).to.deep.equal([4, 3]);
      expect(ats(await log.latest('b' as DeviceId, 1))).to.deep.equal([5]);
      expect(await log.latest('nobody' as DeviceId, 1)).to.deep.equal([]);
    });

    it('prunes events older than the cutoff', async () => {
      await log.append([newEvent('a', 10), newEvent('b', 20), newEvent('a', 30), newEvent('b', 40)]);
      expect(await log.prune({ before: 30, keepPerDevice: 100 })).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([30, 40]);
      expect(await log.prune({ before: 30, keepPerDevice: 100 })).to.equal(0);
    });

    it("prunes all but each device's newest events", async () => {
      await log.append([
        newEvent('a', 1),
        newEvent('a', 2),
        newEvent('b', 3),
        newEvent('a', 4),
        newEvent('c', 5),
        newEvent('b', 6),
        newEvent('a', 7),
      ]);
      expect(await log.prune({ before: 0, keepPerDevice: 2 })).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([3, 4, 5, 6, 7]);
      expect(await log.prune({ before: 6, keepPerDevice: 1 })).to.equal(3);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([6, 7]);
      expect(await log.lastSeq()).to.equal(7);
    });

    it('prunes more events than one chunk holds, across many devices', async () => {
      const events = Array.from({ length: 12_000 }, (_, i) => newEvent(`d${String(i % 300).padStart(3, '0')}`, i));
      await log.append(events);
      // Each device has 40 events; the newest 10 of each stay, and of those the ones before 11,900 go.
      expect(await log.prune({ before: 11_900, keepPerDevice: 10 })).to.equal(12_000 - 100);
      expect(ats(await log.list({ limit: 1000 }))).to.deep.equal(Array.from({ length: 100 }, (_, i) => 11_900 + i));
      await log.append(Array.from({ length: 6000 }, () => newEvent('one', 20_000)));
      expect(await log.prune({ before: 0, keepPerDevice: 3 })).to.equal(5997);
      expect(await log.latest('one' as DeviceId, 10)).to.have.length(3);
    });

    it('deletes every event of one device and says how many there were', async () => {
      await log.append([newEvent('a', 1), newEvent('b', 2), newEvent('a', 3)]);
      expect(await log.deleteDevice('a' as DeviceId)).to.equal(2);
      expect(await log.deleteDevice('a' as DeviceId)).to.equal(0);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([2]);
    });

    it('keeps what it stored when callers change their objects', async () => {
      const detail: Record<string, string> = { file: 'a' };
      const [appended] = await log.append([newEvent('a', 1, 'offered', detail)]);
      detail['file'] = 'changed';
      (appended!.detail as Record<string, string>)['file'] = 'changed too';
      const [listed] = await log.list({ limit: 1 });
      (listed!.detail as Record<string, string>)['file'] = 'changed as well';
      expect(await log.list({ limit: 1 })).to.deep.equal([{ ...newEvent('a', 1, 'offered', { file: 'a' }), seq: 1 }]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged write after close and reopen, and never gives a seq again', async () => {
        await log.append([newEvent('a', 1), newEvent('b', 2, 'refused', { why: null }), newEvent('c', 3)]);
        await log.deleteDevice('a' as DeviceId);
        await log.append([rolloutEvent('r1', 4), penalized('r1', 'c', 5)]);
        log = await reopen(log);
        expect(await log.list({ limit: 10 })).to.deep.equal([
          { ...newEvent('b', 2, 'refused', { why: null }), seq: 2 },
          { ...newEvent('c', 3), seq: 3 },
          { ...rolloutEvent('r1', 4), seq: 4 },
          { ...penalized('r1', 'c', 5), seq: 5 },
        ]);
        expect(ats(await log.latest('c' as DeviceId, 10))).to.deep.equal([5, 3]);
        expect(await log.prune({ before: 100, keepPerDevice: 5 })).to.equal(4);
        log = await reopen(log);
        expect(await log.lastSeq()).to.equal(5);
        expect(seqs(await log.append([newEvent('d', 6)]))).to.deep.equal([6]);
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged write on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await log.append([newEvent('a', 1), newEvent('a', 2), newEvent('b', 3)]);
        await log.prune({ before: 0, keepPerDevice: 1 });
        await log.prune({ before: 3, keepPerDevice: 1 });
        const survivor = await crashCopy();
        try {
          expect(await survivor.list({ limit: 10 })).to.deep.equal([{ ...newEvent('b', 3), seq: 3 }]);
          expect(await survivor.lastSeq()).to.equal(3);
          expect(seqs(await survivor.append([newEvent('c', 4)]))).to.deep.equal([4]);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
