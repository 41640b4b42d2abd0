import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../../src/domain/device-id.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';
import { isInWave, waveBucket } from '../../../src/domain/rollout/wave-bucket.js';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split('');
const rolloutIds = fc.string({
  unit: fc.constantFrom(...ID_CHARS),
  minLength: 1,
  maxLength: 32,
}) as fc.Arbitrary<RolloutId>;
const deviceIds = fc.string({
  unit: fc.constantFrom(...ID_CHARS, ':', '.'),
  minLength: 1,
  maxLength: 64,
}) as fc.Arbitrary<DeviceId>;
/** A wave percentage: a whole number of hundredths in (0, 100]. */
const percents = fc.integer({ min: 1, max: 10_000 }).map((steps) => steps / 100);

/** A fleet of n devices with ids like a real one's. */
const fleet = (n: number): DeviceId[] =>
  Array.from({ length: n }, (_, i) => `esp32-${i.toString(16).padStart(6, '0')}` as DeviceId);

describe('wave bucket (properties)', () => {
  it('is in 0-9999, and the same for the same ids every time', () => {
    fc.assert(
      fc.property(rolloutIds, deviceIds, (rollout, device) => {
        const bucket = waveBucket(rollout, device);
        expect(bucket).to.be.within(0, 9_999);
        expect(Number.isInteger(bucket)).to.equal(true);
        expect(waveBucket(`${rollout}` as RolloutId, `${device}` as DeviceId)).to.equal(bucket);
      }),
    );
  });

  it('never drops a device when the percentage is raised', () => {
    fc.assert(
      fc.property(rolloutIds, deviceIds, percents, percents, (rollout, device, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const bucket = waveBucket(rollout, device);
        if (isInWave(bucket, low)) expect(isInWave(bucket, high)).to.equal(true);
      }),
    );
  });

  it('puts about p% of a fleet in a wave of p%, for any rollout id', () => {
    const devices = fleet(20_000);
    fc.assert(
      fc.property(rolloutIds, percents, (rollout, percent) => {
        const share =
          devices.filter((device) => isInWave(waveBucket(rollout, device), percent)).length / devices.length;
        // Binomial: 5 standard deviations of 20,000 draws, plus the bucket's granularity.
        const sd = Math.sqrt(((percent / 100) * (1 - percent / 100)) / devices.length);
        expect(Math.abs(share - percent / 100)).to.be.at.most(5 * sd + 1e-4);
      }),
      { numRuns: 30 },
    );
  });

  it('lets different rollouts pick different devices first', () => {
    const devices = fleet(2_000);
    const firsts = (rollout: RolloutId) =>
      new Set(devices.filter((device) => isInWave(waveBucket(rollout, device), 5)));
    fc.assert(
      fc.property(rolloutIds, rolloutIds, (a, b) => {
        fc.pre(a !== b);
        const [inA, inB] = [firsts(a), firsts(b)];
        const both = [...inA].filter((device) => inB.has(device)).length;
        // Independent 5% waves share about 5% of each other (5 of 100 devices); one rollout's
        // canaries being another's would share all of them.
        expect(both).to.be.below(Math.min(inA.size, inB.size) * 0.25);
      }),
      { numRuns: 50 },
    );
  });

  it("spreads the first device of a 1% wave over the fleet (no device is everyone's canary)", () => {
    const devices = fleet(1_000);
    const firstOf = (rollout: string) =>
      devices.reduce((best, device) =>
        waveBucket(rollout as RolloutId, device) < waveBucket(rollout as RolloutId, best) ? device : best,
      );
    const picks = new Set(Array.from({ length: 200 }, (_, i) => firstOf(`release-${i}`)));
    // 200 draws from 1,000 devices: about 181 distinct ones are expected; a biased hash gives few.
    expect(picks.size).to.be.above(150);
  });
});
