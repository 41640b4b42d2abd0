import { expect } from 'chai';
import fc from 'fast-check';
import { decideRolloutOffer, type RolloutVerdict } from '../../../src/domain/rollout/offer-decision.js';
import { EXCLUSION_REASONS } from '../../../src/domain/rollout/offer-rules.js';
import { waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { violations } from './support/offer-oracle.js';
import { candidates, devices } from './support/poll-arbitraries.js';
import { T0 } from './support/rollout-fixtures.js';

const ALL_VERDICTS: readonly RolloutVerdict[] = [
  'offer',
  'repeat-offer',
  'paused',
  'halted',
  'not-running',
  'not-selected',
  ...EXCLUSION_REASONS,
  'open-attempt',
  'outranked',
  'not-in-wave',
  'over-in-flight-cap',
  'over-offer-rate-cap',
];

describe('rollout offer decision (properties)', () => {
  it('draws polls that meet every verdict (so the properties below are not vacuous)', () => {
    const seen = new Set<string>();
    for (const [device, list] of fc.sample(fc.tuple(devices, candidates), { numRuns: 5_000, seed: 17 })) {
      for (const { verdict } of decideRolloutOffer(device, list, scheme, T0).verdicts) seen.add(verdict);
    }
    expect([...seen].sort()).to.deep.equal([...ALL_VERDICTS].sort());
  });

  it('never offers against a rule, outside the wave, over a cap, or beside an open attempt; and offers the top-priority rollout', () => {
    let offers = 0;
    fc.assert(
      fc.property(devices, candidates, (device, list) => {
        const decision = decideRolloutOffer(device, list, scheme, T0);
        expect(decision.verdicts.map((v) => v.rolloutId).sort()).to.deep.equal(list.map((c) => c.rollout.id).sort());
        const offering = decision.verdicts.filter((v) => v.verdict === 'offer' || v.verdict === 'repeat-offer');
        expect(offering.length).to.equal(decision.offer === null ? 0 : 1);
        if (decision.offer === null) return;
        offers += 1;
        const chosen = list.find((c) => c.rollout.id === decision.offer?.rolloutId);
        if (chosen === undefined) return expect.fail('the offer names no candidate');
        expect(decision.offer.target).to.equal(chosen.target);
        expect(violations(device, chosen)).to.deep.equal([]);
        const percent = chosen.rollout.definition.waves[chosen.rollout.wave] ?? 0;
        expect(waveBucket(chosen.rollout.id, device.id)).to.be.below(Math.round(percent * 100));
        if (decision.offer.repeatOf === null) {
          expect(device.openAttempt).to.equal(null);
          const { maxInFlight, maxOffersPerMinute } = chosen.rollout.definition;
          expect(chosen.caps.inFlight).to.be.below(maxInFlight);
          expect(chosen.caps.recentOffers.filter((at) => T0 - at < 60_000).length).to.be.below(maxOffersPerMinute);
        } else {
          expect(device.openAttempt).to.deep.include({
            id: decision.offer.repeatOf,
            rolloutId: chosen.rollout.id,
            state: 'offered',
          });
        }
        // A new offer comes from the highest priority that wants the device (a repeated one keeps its rollout).
        if (decision.offer.repeatOf !== null) return;
        const wanting = list.filter((c) => violations(device, c).length === 0);
        const top = Math.max(...wanting.map((c) => c.rollout.definition.priority));
        expect(chosen.rollout.definition.priority).to.equal(top);
      }),
      { numRuns: 3_000 },
    );
    // Not vacuous: a fair share of the drawn polls got an offer (about one in six).
    expect(offers).to.be.above(200);
  });

  it('decides the same for the same facts, whatever order the rollouts come in', () => {
    fc.assert(
      fc.property(
        devices,
        candidates.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))),
        (device, [list, shuffled]) => {
          const decision = decideRolloutOffer(device, list, scheme, T0);
          expect(decideRolloutOffer(device, list, scheme, T0)).to.deep.equal(decision);
          expect(decideRolloutOffer(device, shuffled, scheme, T0)).to.deep.equal(decision);
        },
      ),
    );
  });
});
