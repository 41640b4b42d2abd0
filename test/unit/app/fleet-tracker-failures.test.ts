import { expect } from 'chai';
import { InMemoryUpdateAttemptStore } from '../../../src/adapters/outbound/memory/in-memory-update-attempt-store.js';
import { DEFAULT_FLEET_SETTINGS } from '../../../src/app/fleet/fleet-settings.js';
import type { FleetStores } from '../../../src/app/fleet/fleet-tracker.js';
import { FleetTracker } from '../../../src/app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
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
    // The device goes on while the disk is full: its download moves the attempt on in memory.
    time += 1_000;
    tracker.downloadRequested({ path: FILE.path, deviceId: DEVICE, address: '10.0.0.7' })?.ended(0, FILE.size);
    attempts.failing = false;
    await eventually(async () => (await attempts.forDevice(DEVICE, 10))[0]?.state === 'downloaded', 'retried');
    expect((await attempts.forDevice(DEVICE, 10)).map((attempt) => attempt.state)).to.deep.equal(['downloaded']);
    expect(logger.lines.some((line) => line.includes('an update attempt could not be written'))).to.equal(true);
  });

  it('keeps the image facts it had when the catalog cannot be read, without failing', async () => {
    stores.catalog.list = () => {
      throw new Error('EIO');
    };
    await tracker.refreshImages();
    expect(logger.lines.some((line) => line.includes('the stored images could not be read'))).to.equal(true);
  });
});
