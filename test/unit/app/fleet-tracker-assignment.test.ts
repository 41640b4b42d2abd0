import { expect } from 'chai';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import { FleetTracker } from '../../../src/app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { eventually } from '../../support/eventually.js';
import { memoryFleetStores } from '../../support/fleet-stores.js';
import { RecordingLogger } from '../../support/test-server.js';

const DEVICE = 'esp-1' as DeviceId;

/**
 * Whether a device has a seed row, as its checks find it and as the use cases that write rows say
 * it: a check that finds what the device's last check found skips the look into the row ids, and
 * that shortcut never hides a change made since by anything else.
 */
describe('FleetTracker: seed-row assignment from checks', () => {
  let tracker: FleetTracker;
  const time = 1_767_225_600_000;
  beforeEach(async () => {
    tracker = await FleetTracker.open(memoryFleetStores(), DEFAULT_FLEET_SETTINGS, new RecordingLogger(), () => time);
  });
  afterEach(() => tracker.close());

  const check = (assigned: boolean) =>
    tracker.recordCheck({
      deviceId: DEVICE,
      version: '1.0',
      address: '10.0.0.7',
      auth: 'shared',
      status: assigned ? 204 : 404,
      assigned,
    });
  const assigned = () => tracker.isAssigned(tracker.entry(DEVICE)!);
  const loaded = () =>
    eventually(async () => tracker.isAssigned({ ...tracker.entry(DEVICE)!, lastStatus: 404 }), 'ids read');

  it('follows checks, and a check after a use case removed the row finds it again', async () => {
    check(true);
    await loaded();
    check(true);
    expect(assigned()).to.equal(true);
    tracker.noteAssignment(DEVICE, false); // a DELETE of the row here
    expect(assigned()).to.equal(false);
    check(true); // the row is back (another server's PUT); this check found it as the last one did
    expect(assigned()).to.equal(true);
    check(false);
    expect(assigned()).to.equal(false);
    check(false);
    expect(assigned()).to.equal(false);
  });

  it('notes a check in the row ids read anew, even when it finds what the check before found', async () => {
    check(true);
    await loaded();
    check(true);
    tracker.reloadAssignments(); // the stored rows hold no row for the device
    await eventually(async () => !assigned(), 'ids read again');
    check(true);
    expect(assigned()).to.equal(true);
  });
});
