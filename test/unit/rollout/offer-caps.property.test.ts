import { expect } from 'chai';
import fc from 'fast-check';
import { capRefusal, OFFER_WINDOW_MS, pruneOffers } from '../../../src/domain/rollout/offer-caps.js';
import { T0 } from './support/rollout-fixtures.js';

/**
 * A stretch of a rollout's life: polls (many at the same millisecond: concurrent devices, which
 * the app admits one at a time) and resolutions of attempts in flight, at non-decreasing times.
 */
const steps = fc.array(
  fc.tuple(fc.constantFrom('poll', 'poll', 'resolve'), fc.constantFrom(0, 0, 0, 1, 500, 7_000, 30_000, 61_000)),
  // At least 30 steps: short scripts rarely reach a cap, and every short script is the start of a
  // longer one. With this length, each cap is reached in 110-270 of 300 runs (200 seeds tried).
  { minLength: 30, maxLength: 300 },
);
const caps = fc.record({
  maxInFlight: fc.integer({ min: 1, max: 8 }),
  maxOffersPerMinute: fc.integer({ min: 1, max: 12 }),
});

describe('offer caps (properties)', () => {
  it('never admit more than maxInFlight in flight, nor more than maxOffersPerMinute in any 60 s, and refuse nothing else', () => {
    const reached = { 'over-in-flight-cap': 0, 'over-offer-rate-cap': 0 };
    fc.assert(
      fc.property(caps, steps, (limits, script) => {
        let now = T0;
        let inFlight = 0;
        let recentOffers: readonly number[] = [];
        const admitted: number[] = [];
        const refusals = new Set<string>();
        for (const [kind, gap] of script) {
          now += gap;
          if (kind === 'resolve') {
            inFlight = Math.max(0, inFlight - 1);
            continue;
          }
          const refusal = capRefusal(limits, { inFlight, recentOffers }, now);
          const inWindow = admitted.filter((at) => now - at < OFFER_WINDOW_MS).length;
          // Refused exactly when a cap is reached (counted here independently of the domain).
          expect(refusal !== null).to.equal(inFlight >= limits.maxInFlight || inWindow >= limits.maxOffersPerMinute);
          if (refusal !== null) {
            refusals.add(refusal);
            continue;
          }
          inFlight += 1;
          admitted.push(now);
          recentOffers = pruneOffers([...recentOffers, now], now);
          expect(inFlight).to.be.at.most(limits.maxInFlight);
        }
        for (const at of admitted) {
          const window = admitted.filter((other) => other <= at && at - other < OFFER_WINDOW_MS).length;
          expect(window).to.be.at.most(limits.maxOffersPerMinute);
        }
        for (const refusal of refusals) reached[refusal as keyof typeof reached] += 1;
      }),
      { numRuns: 300 },
    );
    // Not vacuous: many runs pushed against each cap (the bound is half the least count seen).
    expect(reached['over-in-flight-cap']).to.be.above(60);
    expect(reached['over-offer-rate-cap']).to.be.above(60);
  });
});
