import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { ImageFacts } from '../../../src/domain/rollout/image-facts.js';
import { decideRolloutOffer, type RolloutCandidate } from '../../../src/domain/rollout/offer-decision.js';
import type { Rollout } from '../../../src/domain/rollout/rollout.js';
import type { RolloutInput } from '../../../src/domain/rollout/rollout-definition.js';
import type { RolloutDevice } from '../../../src/domain/rollout/rollout-device.js';
import { waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';
import { device, rollout, rolloutId, T0, target } from './support/rollout-fixtures.js';

const ALL_IN = { waves: [100] };

const candidate = (
  id: string,
  input: Partial<RolloutInput> = ALL_IN,
  facts: Partial<ImageFacts> = {},
  state: Rollout['state'] = 'running',
  caps: RolloutCandidate['caps'] = { inFlight: 0, recentOffers: [] },
): RolloutCandidate => ({ rollout: rollout(input, state, 0, rolloutId(id)), target: target(facts), caps });

const decide = (candidates: RolloutCandidate[], overrides: Partial<RolloutDevice> = {}) =>
  decideRolloutOffer(device(overrides), candidates, scheme, T0);
const verdicts = (candidates: RolloutCandidate[], overrides: Partial<RolloutDevice> = {}) =>
  decide(candidates, overrides).verdicts.map(({ rolloutId: id, verdict }) => `${id}: ${verdict}`);

describe('rollout offer decision', () => {
  it('offers the target of a running rollout that wants the device, in its wave, under its caps', () => {
    const one = candidate('r-1');
    expect(decide([one])).to.deep.equal({
      offer: { rolloutId: 'r-1', target: one.target, repeatOf: null },
      verdicts: [{ rolloutId: 'r-1', verdict: 'offer' }],
    });
  });

  it("offers nothing without rollouts (today's answer follows)", () => {
    expect(decide([])).to.deep.equal({ offer: null, verdicts: [] });
  });

  it('says why each rollout does not offer: its state, the selector, a rule', () => {
    expect(
      verdicts([
        candidate('r-1', ALL_IN, {}, 'paused'),
        candidate('r-2', ALL_IN, {}, 'halted'),
        candidate('r-3', ALL_IN, {}, 'draft'),
        candidate('r-4', { ...ALL_IN, selector: { tagsAll: ['lab'] } }),
        candidate('r-5', ALL_IN, { chip: 'esp32c3' }),
      ]),
    ).to.deep.equal(['r-1: paused', 'r-2: halted', 'r-3: not-running', 'r-4: not-selected', 'r-5: other-chip']);
    expect(decide([candidate('r-1', ALL_IN, {}, 'completed')]).offer).to.equal(null);
  });

  it('holds the device out of every rollout when held', () => {
    expect(verdicts([candidate('r-1'), candidate('r-2')], { hold: true })).to.deep.equal(['r-1: held', 'r-2: held']);
  });

  it('waits for the wave: a device whose bucket is beyond the current percentage is not offered yet', () => {
    const bucket = waveBucket(rolloutId('r-1'), 'esp-1' as DeviceId);
    expect(bucket).to.be.above(0);
    // The tightest waves either side: bucket/100 % holds buckets below it, (bucket+1)/100 % holds it.
    const [below, above] = [bucket / 100, (bucket + 1) / 100];
    expect(verdicts([candidate('r-1', { waves: [below] })])).to.deep.equal(['r-1: not-in-wave']);
    expect(verdicts([candidate('r-1', { waves: [above] })])).to.deep.equal(['r-1: offer']);
  });

  it('keeps to the caps: a device over a cap is not offered, and polls again', () => {
    const full = { inFlight: 2, recentOffers: [] };
    expect(verdicts([candidate('r-1', { ...ALL_IN, maxInFlight: 2 }, {}, 'running', full)])).to.deep.equal([
      'r-1: over-in-flight-cap',
    ]);
    const busy = { inFlight: 0, recentOffers: [T0 - 1_000, T0 - 2_000] };
    expect(verdicts([candidate('r-1', { ...ALL_IN, maxOffersPerMinute: 2 }, {}, 'running', busy)])).to.deep.equal([
      'r-1: over-offer-rate-cap',
    ]);
  });

  it('tries rollouts by priority, then the highest target version; the others are outranked', () => {
    const low = candidate('r-1', { ...ALL_IN, priority: 0 }, { version: '3.0.0' });
    const high = candidate('r-2', { ...ALL_IN, priority: 5 }, { version: '2.0.0' });
    expect(verdicts([low, high])).to.deep.equal(['r-2: offer', 'r-1: outranked']);
    const older = candidate('r-1', ALL_IN, { version: '2.0.0' });
    const newer = candidate('r-2', ALL_IN, { version: '2.1.0' });
    expect(verdicts([older, newer])).to.deep.equal(['r-2: offer', 'r-1: outranked']);
  });

  it('ranks targets that are not semver below semver ones, and among themselves by build time', () => {
    const nightly = candidate('r-1', ALL_IN, { version: 'nightly-9', compileDate: 'Dec  1 2026' });
    const nightlyOlder = candidate('r-2', ALL_IN, { version: 'nightly-8', compileDate: 'Nov  1 2026' });
    const semver = candidate('r-3', ALL_IN, { version: '2.0.0' });
    expect(verdicts([nightlyOlder, nightly, semver])).to.deep.equal(['r-3: offer', 'r-1: outranked', 'r-2: outranked']);
  });

  it('does not fall through: the first rollout that wants the device decides, even outside its wave or over its cap', () => {
    const first = candidate('r-1', { waves: [0.01], priority: 1 });
    const second = candidate('r-2');
    expect(verdicts([first, second])).to.deep.equal(['r-1: not-in-wave', 'r-2: outranked']);
    expect(decide([first, second]).offer).to.equal(null);
  });

  it('skips the rollouts that do not want the device before ranking', () => {
    const first = candidate('r-1', { ...ALL_IN, priority: 1 }, { chip: 'esp32c3' });
    expect(verdicts([first, candidate('r-2')])).to.deep.equal(['r-1: other-chip', 'r-2: offer']);
  });

  it('offers nothing new while the device has an attempt open (of a rollout or a device row)', () => {
    // Another rollout's attempt: each waits for it. A row's: the row offers the device its update
    // now, an exclusion (device-row) the preview and the last wave's completion count too.
    for (const [owner, verdict] of [
      [rolloutId('r-9'), 'open-attempt'],
      [null, 'device-row'],
    ] as const) {
      const openAttempt = { id: 'a-1', rolloutId: owner, state: 'downloading' as const };
      expect(verdicts([candidate('r-1'), candidate('r-2')], { openAttempt })).to.deep.equal([
        `r-1: ${verdict}`,
        `r-2: ${verdict}`,
      ]);
    }
  });

  it('answers a repeated check with the same offer while it is still `offered`, whatever the caps', () => {
    const full = { inFlight: 50, recentOffers: [] };
    const openAttempt = { id: 'a-1', rolloutId: rolloutId('r-2'), state: 'offered' as const };
    const own = candidate('r-2', ALL_IN, {}, 'running', full);
    const decision = decide([candidate('r-1', { ...ALL_IN, priority: 9 }), own], { openAttempt });
    expect(decision.offer).to.deep.equal({ rolloutId: 'r-2', target: own.target, repeatOf: 'a-1' });
    expect(decision.verdicts.map((v) => v.verdict)).to.deep.equal(['open-attempt', 'repeat-offer']);
  });

  it('does not answer it again once its rollout halted or paused (no re-offers)', () => {
    const openAttempt = { id: 'a-1', rolloutId: rolloutId('r-1'), state: 'offered' as const };
    expect(verdicts([candidate('r-1', ALL_IN, {}, 'halted')], { openAttempt })).to.deep.equal(['r-1: halted']);
    expect(verdicts([candidate('r-1', ALL_IN, {}, 'paused')], { openAttempt })).to.deep.equal(['r-1: paused']);
  });

  it('decides the same whatever order the rollouts come in', () => {
    const list = [candidate('r-1'), candidate('r-2'), candidate('r-3', { ...ALL_IN, priority: -1 })];
    const decision = decide(list);
    expect(decide([...list].reverse())).to.deep.equal(decision);
    expect(decision.offer?.rolloutId).to.equal('r-1');
  });
});
