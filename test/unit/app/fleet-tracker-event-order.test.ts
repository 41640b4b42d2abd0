import { expect } from 'chai';
import { InMemoryFleetEventLog } from '../../../src/adapters/outbound/memory/in-memory-fleet-event-log.js';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import { FleetTracker } from '../../../src/app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { eventually } from '../../support/eventually.js';
import { memoryFleetStores, OFFERED_FILE } from '../../support/fleet-stores.js';
import { RecordingLogger } from '../../support/test-server.js';

const FILE = OFFERED_FILE;

/**
 * A device's timeline reads in the order things happened, though a check's own events (first
 * seen, version changed) go out with the next batch while the attempt transitions it caused are
 * written at once: found by the fleet simulator, whose devices' timelines began with `offered`
 * and had `version-changed` after `provisional`.
 */
describe('FleetTracker: the order of a device timeline', () => {
  let time = 1_767_225_600_000;
  let events: InMemoryFleetEventLog;
  let tracker: FleetTracker;

  beforeEach(async () => {
    events = new InMemoryFleetEventLog();
    const stores = memoryFleetStores({ events });
    // No sweep during the test: only the explicit flush writes the batch.
    tracker = await FleetTracker.open(
      stores,
      { ...DEFAULT_FLEET_SETTINGS, flushIntervalMs: 3_600_000 },
      new RecordingLogger(),
      () => (time += 1_000),
    );
  });
  afterEach(() => tracker.close());

  const check = (deviceId: string, version: string, offer: boolean) =>
    tracker.recordCheck({
      deviceId: deviceId as DeviceId,
      version,
      address: '10.0.0.7',
      auth: 'shared',
      status: offer ? 200 : 204,
      ...(offer ? { offer: FILE } : {}),
      assigned: true,
    }).written;
  const timeline = async (deviceId: string) =>
    (await events.list({ after: 0, limit: 100, deviceId: deviceId as DeviceId })).map((event) => event.type);

  it('puts first-seen before offered and version-changed before provisional', async () => {
    await check('esp-1', '1.0', true);
    const trace = tracker.downloadRequested({ path: FILE.path, deviceId: undefined, address: '10.0.0.7' });
    expect(trace).to.not.equal(undefined);
    trace?.ended(0, FILE.size);
    await eventually(async () => (await timeline('esp-1')).includes('downloaded'), 'downloaded');
    await check('esp-1', '2.0', false);
    await tracker.flush();
    expect(await timeline('esp-1')).to.deep.equal([
      'first-seen',
      'offered',
      'downloading',
      'downloaded',
      'version-changed',
      'provisional',
    ]);
  });

  it("puts a check's version change before an operator's change made before the batch was written", async () => {
    check('esp-3', '1.0', false);
    await tracker.flush();
    check('esp-3', '1.1', false); // its version-changed waits for the batch
    await tracker.change('esp-3' as DeviceId, { hold: true }, 'operator');
    await tracker.flush();
    // Before: device-changed, written at once, came before the version-changed it followed.
    expect(await timeline('esp-3')).to.deep.equal(['first-seen', 'version-changed', 'device-changed']);
    const listed = await events.list({ after: 0, limit: 100, deviceId: 'esp-3' as DeviceId });
    expect(listed.map((event) => event.at)).to.deep.equal([...listed.map((event) => event.at)].sort((a, b) => a - b));
  });

  it('puts the first check before an offer made before the batch was written', async () => {
    expect(check('esp-2', '1.0', false)).to.equal(undefined);
    await check('esp-2', '1.0', true);
    await tracker.flush();
    expect(await timeline('esp-2')).to.deep.equal(['first-seen', 'offered']);
  });
});
