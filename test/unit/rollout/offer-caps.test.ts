import { expect } from 'chai';
import { capRefusal, offersInWindow, pruneOffers } from '../../../src/domain/rollout/offer-caps.js';
import { T0 } from './support/rollout-fixtures.js';

const CAPS = { maxInFlight: 2, maxOffersPerMinute: 3 };

describe('offer caps', () => {
  it('admit below both caps', () => {
    expect(capRefusal(CAPS, { inFlight: 1, recentOffers: [T0, T0 + 1] }, T0 + 2)).to.equal(null);
  });

  it('refuse at maxInFlight attempts in flight', () => {
    expect(capRefusal(CAPS, { inFlight: 2, recentOffers: [] }, T0)).to.equal('over-in-flight-cap');
  });

  it('refuse at maxOffersPerMinute offers in the 60 s ending now (a sliding window)', () => {
    const offers = [T0, T0 + 10_000, T0 + 20_000];
    expect(capRefusal(CAPS, { inFlight: 0, recentOffers: offers }, T0 + 59_999)).to.equal('over-offer-rate-cap');
    expect(capRefusal(CAPS, { inFlight: 0, recentOffers: offers }, T0 + 60_000)).to.equal(null);
  });

  it('name the in-flight cap first when both are reached', () => {
    expect(capRefusal(CAPS, { inFlight: 2, recentOffers: [T0, T0, T0] }, T0)).to.equal('over-in-flight-cap');
  });

  it('count offers "from the future" (a clock stepped back), so a clock change cannot open the gate', () => {
    expect(offersInWindow([T0 + 5_000], T0)).to.equal(1);
    expect(pruneOffers([T0 - 60_000, T0 - 59_999, T0 + 5_000], T0)).to.deep.equal([T0 - 59_999, T0 + 5_000]);
  });
});
