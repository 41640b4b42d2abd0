import { expect } from 'chai';
import { InMemoryDeviceInventoryStore } from '../../../src/adapters/outbound/memory/in-memory-device-inventory-store.js';
import { InMemoryFleetEventLog } from '../../../src/adapters/outbound/memory/in-memory-fleet-event-log.js';
import { InMemoryUpdateAttemptStore } from '../../../src/adapters/outbound/memory/in-memory-update-attempt-store.js';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import type { FleetStores } from '../../../src/app/fleet/fleet-tracker.js';
import { FleetTracker } from '../../../src/app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { FleetEvent, NewLoggedEvent } from '../../../src/domain/fleet/fleet-event.js';
import type { InventorySighting } from '../../../src/domain/fleet/inventory-entry.js';
import type { NewRolloutEvent } from '../../../src/domain/rollout/rollout-event.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';
import type { UpdateAttempt } from '../../../src/domain/fleet/update-attempt.js';
import { eventually } from '../../support/eventually.js';
import { memoryFleetStores, OFFERED_FILE } from '../../support/fleet-stores.js';
import { RecordingLogger } from '../../support/test-server.js';

const FILE = OFFERED_FILE;
const DEVICE = 'esp-1' as DeviceId;

/** An attempt store whose writes fail while `failing` is set (a full disk, say). */
class FailingAttemptStore extends InMemoryUpdateAttemptStore {
  failing = false;
  override async putMany(attempts: readonly UpdateAttempt[]): Promise<void> {
    if (this.failing) throw new Error('ENOSPC: no space left on device');
    return super.putMany(attempts);
  }
}

/** An inventory store whose next `failures` writes of sightings fail. */
class FailingInventoryStore extends InMemoryDeviceInventoryStore {
  failures = 0;
  override async recordSightings(sightings: readonly InventorySighting[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('EIO: i/o error');
    }
    return super.recordSightings(sightings);
  }
}

/** An event log whose next `failures` appends fail, and whose deletions fail while `deletesFail`. */
class FailingEventLog extends InMemoryFleetEventLog {
  failures = 0;
  deletesFail = false;
  override async append(events: readonly NewLoggedEvent[]): Promise<FleetEvent[]> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('ENOSPC: no space left on device');
    }
    return super.append(events);
  }
  /** While set, deletions wait for it (a slow disk). */
  deleteGate: Promise<void> | undefined;
  override async deleteDevice(deviceId: DeviceId): Promise<number> {
    if (this.deletesFail) throw new Error('ENOSPC: no space left on device');
    if (this.deleteGate !== undefined) await this.deleteGate;
    return super.deleteDevice(deviceId);
  }
}

/**
 * What the tracker does when storage fails: an attempt's transition that could not be written is
 * never acknowledged (the check that caused it fails), and the retry writes the attempt as it is
 * by then, not the copy that failed; an image index that cannot be refreshed does not fail the
 * upload that asked.
 */
describe('FleetTracker: when storage fails', () => {
  let time = 1_767_225_600_000;
  let attempts: FailingAttemptStore;
  let logger: RecordingLogger;
  let stores: FleetStores;
  let tracker: FleetTracker;

  beforeEach(async () => {
    attempts = new FailingAttemptStore();
    logger = new RecordingLogger();
    stores = memoryFleetStores({ attempts });
    tracker = await FleetTracker.open(stores, { ...DEFAULT_FLEET_SETTINGS, flushIntervalMs: 20 }, logger, () => time);
  });
  afterEach(() => tracker.close());

  const check = (version: string, offer: boolean) =>
    tracker.recordCheck({
      deviceId: DEVICE,
      version,
      address: '10.0.0.7',
      auth: 'shared',
      status: offer ? 200 : 204,
      ...(offer ? { offer: FILE } : {}),
      assigned: true,
    }).written;

  it('fails the check whose transition could not be written, and later writes the attempt as it is then', async () => {
    attempts.failing = true;
    let failure: unknown;
    await check('1.0', true)?.catch((error: unknown) => (failure = error));
    expect(String(failure)).to.include('ENOSPC');
    expect(await attempts.forDevice(DEVICE, 10)).to.deep.equal([]);
    // The device asks again: the same offer, answered only once its attempt is written (found by
    // a review: answered at once from memory, it was lost in a crash before the sweep's retry).
    let again: unknown;
    await check('1.0', true)?.catch((error: unknown) => (again = error));
    expect(String(again), 'the check after a failed write fails too while it cannot be written').to.include('ENOSPC');
    // The device goes on while the disk is full: its download moves the attempt on in memory.
    time += 1_000;
    tracker.downloadRequested({ path: FILE.path, deviceId: DEVICE, address: '10.0.0.7' })?.ended(0, FILE.size);
    attempts.failing = false;
    await eventually(async () => (await attempts.forDevice(DEVICE, 10))[0]?.state === 'downloaded', 'retried');
    expect((await attempts.forDevice(DEVICE, 10)).map((attempt) => attempt.state)).to.deep.equal(['downloaded']);
    expect(logger.lines.some((line) => line.includes('an update attempt could not be written'))).to.equal(true);
    // The end of the outage is said once, with the failures counted.
    const recovered = logger.lines.filter((line) => line.startsWith('info recovered '));
    expect(recovered).to.have.length(1);
    expect(recovered[0]).to.include('"warning":"an update attempt could not be written; retrying"');
  });

  it("waits for a write of the attempt while the sweep's retry of it is under way", async () => {
    attempts.failing = true;
    await check('1.0', true)?.catch(() => {});
    // The sweep's retry (every 20 ms here) is held: under way, not durable.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    attempts.failing = false;
    const put = attempts.putMany.bind(attempts);
    let retrying = false;
    attempts.putMany = async (list) => {
      retrying = true;
      await held;
      return put(list);
    };
    await eventually(async () => retrying, "the sweep's retry starts");
    // Found by a review: answered at once from memory while the retry was not durable yet.
    const written = check('1.0', true);
    expect(written, 'the check waits for a write of its own').to.not.equal(undefined);
    release();
    await written;
    expect((await attempts.forDevice(DEVICE, 10)).map((attempt) => attempt.state)).to.deep.equal(['offered']);
  });

  it('answers a check from an attempt whose write failed only once that attempt is written', async () => {
    attempts.failing = true;
    await check('1.0', true)?.catch(() => {});
    attempts.failing = false;
    const written = check('1.0', true);
    expect(written, 'the check waits for a write').to.not.equal(undefined);
    await written;
    expect((await attempts.forDevice(DEVICE, 10)).map((attempt) => attempt.state)).to.deep.equal(['offered']);
  });

  it('keeps the image facts it had when the catalog cannot be read, without failing', async () => {
    stores.catalog.list = () => {
      throw new Error('EIO');
    };
    await tracker.refreshImages();
    expect(logger.lines.some((line) => line.includes('the stored images could not be read'))).to.equal(true);
  });

  /** A tracker over a failing inventory store whose batches are written only when flushed, and a 204 check. */
  const batchedTracker = async () => {
    const inventory = new FailingInventoryStore();
    const opened = await FleetTracker.open(
      memoryFleetStores({ inventory }),
      { ...DEFAULT_FLEET_SETTINGS, flushIntervalMs: 3_600_000 },
      logger,
      () => time,
    );
    const poll = (deviceId: DeviceId) =>
      opened.recordCheck({
        deviceId,
        version: '1.0',
        address: '10.0.0.7',
        auth: 'shared',
        status: 204,
        assigned: true,
      });
    return { inventory, tracker: opened, poll };
  };

  it('writes every check of a batch whose first slice failed once storage is back, once each', async () => {
    const { inventory, tracker: batchTracker, poll } = await batchedTracker();
    try {
      // Three slices of a batch; device 0 checks twice, device 1 is forgotten while its write fails.
      const ids = Array.from({ length: 4_500 }, (_, i) => `dev-${String(i).padStart(4, '0')}` as DeviceId);
      for (const id of ids) poll(id);
      time += 2_000;
      poll(ids[0] as DeviceId);
      inventory.failures = 1;
      const failing = batchTracker.flush();
      await batchTracker.forget(ids[1] as DeviceId);
      await failing;
      expect(logger.lines.some((line) => line.includes('the inventory could not be written'))).to.equal(true);
      // Nothing of the batch stored, the forgotten device not either.
      expect((await inventory.getMany(ids)).length).to.equal(0);
      await batchTracker.flush();
      expect(logger.lines.filter((line) => line.startsWith('info recovered '))).to.deep.equal([
        'info recovered {"warning":"the inventory could not be written; retrying","failures":1,"since":"' +
          new Date(time).toISOString() +
          '"}',
      ]);
      const stored = await inventory.getMany(ids);
      expect(stored.map((entry) => entry.id)).to.deep.equal(ids.filter((id) => id !== ids[1]));
      expect(stored.map((entry) => entry.polls)).to.deep.equal([2, ...Array.from({ length: 4_498 }, () => 1)]);
      // Nothing left over: another batch writes nothing more.
      await batchTracker.flush();
      expect((await inventory.getMany(ids)).map((entry) => entry.polls)).to.deep.equal(stored.map((e) => e.polls));
    } finally {
      await batchTracker.close();
    }
  });

  it('names each device once for the next batch however many batches fail while storage is down', async () => {
    const { inventory, tracker: downTracker, poll } = await batchedTracker();
    try {
      const ids = Array.from({ length: 10 }, (_, i) => `dev-${i}` as DeviceId);
      for (const deviceId of ids) poll(deviceId);
      inventory.failures = 100;
      for (let i = 0; i < 100; i += 1) await downTracker.flush();
      // The list of slots to write (private): one per device, not one more per failed batch.
      expect((downTracker as unknown as { dirty: unknown[] }).dirty).to.have.length(ids.length);
      await downTracker.flush();
      expect((await inventory.getMany(ids)).map((entry) => entry.polls)).to.deep.equal(ids.map(() => 1));
    } finally {
      await downTracker.close();
    }
  });

  describe('after a change is made', () => {
    let events: FailingEventLog;
    let inventory: InMemoryDeviceInventoryStore;
    let changeTracker: FleetTracker;
    beforeEach(async () => {
      events = new FailingEventLog();
      inventory = new InMemoryDeviceInventoryStore();
      changeTracker = await FleetTracker.open(
        memoryFleetStores({ events, inventory }),
        { ...DEFAULT_FLEET_SETTINGS, flushIntervalMs: 3_600_000 },
        logger,
        () => time,
      );
      changeTracker.recordCheck({
        deviceId: DEVICE,
        version: '1.0.0',
        address: '10.0.0.7',
        auth: 'shared',
        status: 204,
        assigned: true,
      });
      await changeTracker.flush();
    });
    afterEach(() => changeTracker.close());

    const types = async () => (await events.latest(DEVICE, 100)).map((event) => event.type);

    it("keeps an operator's change whose event cannot be written, and writes the event with the next batch", async () => {
      events.failures = 1;
      // Found by a review: answered 507 "nothing was stored" (and not audited) while stored.
      const changed = await changeTracker.change(DEVICE, { tags: ['lab'], hold: true }, 'op');
      expect(changed).to.deep.include({ tags: ['lab'], hold: true });
      expect((await changeTracker.eventLog.latest(DEVICE, 10)).map((event) => event.type)).to.not.include(
        'device-changed',
      );
      expect(logger.lines.some((line) => line.includes('fleet events could not be written'))).to.equal(true);
      await changeTracker.flush();
      expect(await types()).to.include('device-changed');
      // One warning for the change's events and the batch's, ended by the batch's success (the
      // change's had a key of its own, which nothing ended).
      expect(logger.lines.filter((line) => line.startsWith('info recovered '))).to.have.length(1);
      expect(logger.lines.find((line) => line.startsWith('info recovered '))).to.include(
        '"warning":"fleet events could not be written; retrying"',
      );
    });

    it("keeps a rollout's events that cannot be written for the next batch, without failing the action", async () => {
      events.failures = 1;
      const started: NewRolloutEvent = {
        at: time,
        type: 'rollout.started',
        rolloutId: 'r-1' as RolloutId,
        deviceId: null,
        detail: {},
      };
      // Found by a review: the action was answered 200 and its events were lost for good.
      await changeTracker.publish([started]);
      const logged = async () => (await events.list({ rolloutId: 'r-1', limit: 100 })).map((event) => event.type);
      expect(await logged()).to.deep.equal([]);
      await changeTracker.flush();
      expect(await logged()).to.deep.equal(['rollout.started']);
    });

    it('records nothing of a check made while the device is being forgotten, and the next one as new', async () => {
      let release!: () => void;
      events.deleteGate = new Promise<void>((resolve) => (release = resolve));
      const forgetting = changeTracker.forget(DEVICE);
      await eventually(async () => (await inventory.getMany([DEVICE])).length === 0, 'the entry is deleted');
      const during = {
        deviceId: DEVICE,
        version: '1.0.1',
        address: '10.0.0.7',
        auth: 'shared' as const,
        status: 200,
        offer: FILE,
        assigned: true,
      };
      // Found by reviews: recorded, its entry (and then its attempt and events) were deleted
      // with the forgotten ones, after its offer was answered.
      expect(changeTracker.recordCheck(during).written).to.equal(undefined);
      await changeTracker.flush();
      release();
      expect(await forgetting).to.equal(true);
      expect(await inventory.getMany([DEVICE])).to.deep.equal([]);
      expect(changeTracker.entry(DEVICE)).to.equal(undefined);
      await changeTracker.recordCheck(during).written;
      await changeTracker.flush();
      const [stored] = await inventory.getMany([DEVICE]);
      expect(stored).to.deep.include({ polls: 1, runningVersion: '1.0.1' });
      expect(await types()).to.include.members(['first-seen', 'offered']);
    });

    it('lets a forget cut off midway be asked again, and finishes it', async () => {
      events.deletesFail = true;
      const failure = await changeTracker.forget(DEVICE).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      // Found by a review: the events were left, and asking again answered "never seen".
      expect(await types()).to.not.deep.equal([]);
      events.deletesFail = false;
      expect(await changeTracker.forget(DEVICE)).to.equal(true);
      expect(await inventory.getMany([DEVICE])).to.have.length(0);
      expect(await types()).to.deep.equal([]);
      expect(await changeTracker.forget(DEVICE)).to.equal(false);
    });
  });
});
