import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { attemptId } from '../../../src/domain/fleet/attempt-id.js';
import { isUpdateFilePath } from '../../../src/domain/update-file-path.js';
import { offerPathOf, parseOfferPath } from '../../../src/domain/rollout/offer-path.js';

describe('offer paths', () => {
  it('name the attempt, and give back its id and device', () => {
    for (const device of ['esp-1', 'AA:BB:CC:DD:EE:FF', '.x.', 'x'.repeat(64)] as DeviceId[]) {
      const id = attemptId(1_795_000_000_000, device);
      const path = offerPathOf(id);
      expect(parseOfferPath(path)).to.deep.equal({ attemptId: id, deviceId: device });
      expect(path.length).to.be.at.most(255);
    }
  });

  it('can never be a stored file path', () => {
    expect(isUpdateFilePath(offerPathOf(attemptId(1, 'esp-1' as DeviceId)))).to.equal(false);
  });

  it('refuses what is not one', () => {
    for (const path of [
      'fw/app.bin',
      '.offer/',
      '.offer/123-esp',
      `.offer/${'1'.repeat(15)}-bad id`,
      `.offer/${'1'.repeat(15)}-..`,
      '.offerx/1',
    ]) {
      expect(parseOfferPath(path), path).to.equal(undefined);
    }
  });
});
