import { expect } from 'chai';
import { RecentOffers } from '../../../src/app/fleet/recent-offers.js';
import type { DeviceId } from '../../../src/domain/device-id.js';

const id = (name: string) => name as DeviceId;
const any = () => true;

describe('RecentOffers', () => {
  it('gives the device offered the path from the address most recently within the window', () => {
    const offers = new RecentOffers(600_000);
    offers.add('10.0.0.1', id('a'), 'fw.bin', 1_000);
    offers.add('10.0.0.1', id('b'), 'fw.bin', 2_000);
    offers.add('10.0.0.1', id('c'), 'other.bin', 3_000);
    offers.add('10.0.0.2', id('d'), 'fw.bin', 4_000);
    expect(offers.latest('10.0.0.1', 'fw.bin', 5_000, any)).to.equal('b');
    expect(offers.latest('10.0.0.1', 'fw.bin', 5_000, (device) => device !== 'b')).to.equal('a');
    expect(offers.latest('10.0.0.1', 'fw.bin', 602_001, any)).to.equal(undefined);
  });

  it('goes by the time of each offer, not the order they were noted in (offers read from storage come late)', () => {
    // Found by a review: a peer's attempt read back after a later offer here was taken as the newest.
    const offers = new RecentOffers(600_000);
    offers.add('10.0.0.1', id('local'), 'fw.bin', 5_000);
    offers.add('10.0.0.1', id('stored'), 'fw.bin', 3_000);
    expect(offers.latest('10.0.0.1', 'fw.bin', 6_000, any)).to.equal('local');
    // A stored offer older than the one noted for the same device leaves the newer in place.
    offers.add('10.0.0.1', id('local'), 'fw.bin', 1_000);
    expect(offers.latest('10.0.0.1', 'fw.bin', 600_500, any)).to.equal('local');
  });
});
