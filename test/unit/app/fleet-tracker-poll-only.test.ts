import { expect } from 'chai';
import { InMemoryDeviceInventoryStore } from '../../../src/adapters/outbound/memory/in-memory-device-inventory-store.js';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import { FleetTracker } from '../../../src/app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { InventorySighting } from '../../../src/domain/fleet/inventory-entry.js';
import { memoryFleetStores } from '../../support/fleet-stores.js';
import { RecordingLogger } from '../../support/test-server.js';

/** Keeps what each batch asked of the store; fails the batches it is told to. */
class WatchedStore extends InMemoryDeviceInventoryStore {
  readonly batches: InventorySighting[][] = [];
  failNext = false;
  override async recordSightings(sightings: readonly InventorySighting[]): Promise<void> {
    this.batches.push([...sightings]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('storage is down');
    }
    await super.recordSightings(sightings);
  }
}

/**
 * A batch marks a device's sighting `pollOnly` only when its checks since the last write changed
 * nothing but the poll fields: a single-writer store then writes just those, so a wrong mark
 * would leave a stale version or address in storage.
 */
describe('FleetTracker: poll-only sightings', () => {
  const A = 'esp-a' as DeviceId;
  const B = 'esp-b' as DeviceId;
  const check = (
    tracker: FleetTracker,
    deviceId: DeviceId,
    overrides: { version?: string; address?: string; status?: number } = {},
  ) =>
    tracker.recordCheck({
      deviceId,
      version: overrides.version ?? '1.0.0',
      address: overrides.address ?? '10.0.0.1',
      auth: 'shared',
      status: overrides.status ?? 204,
      assigned: true,
    });
  const marks = (batch: InventorySighting[] | undefined) =>
    Object.fromEntries((batch ?? []).map((sighting) => [sighting.id, sighting.pollOnly === true]));

  it('marks new devices and changed fields whole, repeated checks poll-only, and a failed whole write stays whole', async () => {
    const store = new WatchedStore();
    const tracker = await FleetTracker.open(
      memoryFleetStores({ inventory: store }),
      DEFAULT_FLEET_SETTINGS,
      new RecordingLogger(),
    );
    try {
      check(tracker, A);
      check(tracker, B);
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: false, [B]: false });

      check(tracker, A);
      check(tracker, B, { address: '10.0.0.2' });
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: true, [B]: false });

      // A change then a change back within one batch is still a change since the last write.
      check(tracker, A, { version: '1.1.0' });
      check(tracker, A);
      check(tracker, B, { address: '10.0.0.2' });
      store.failNext = true;
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: false, [B]: true });
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: false, [B]: true });

      check(tracker, A, { status: 200 });
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: false });
      check(tracker, A, { status: 200 });
      await tracker.flush();
      expect(marks(store.batches.at(-1))).to.deep.equal({ [A]: true });
      const stored = await store.getMany([A, B]);
      expect(
        stored.map((entry) => [entry.id, entry.runningVersion, entry.address, entry.polls, entry.lastStatus]),
      ).to.deep.equal([
        [A, '1.0.0', '10.0.0.1', 6, 200],
        [B, '1.0.0', '10.0.0.2', 3, 204],
      ]);
    } finally {
      await tracker.close();
    }
  });
});
