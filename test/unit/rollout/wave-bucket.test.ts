import { expect } from 'chai';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { murmurHash3x86, utf8Bytes } from '../../../src/domain/rollout/murmur3.js';
import { isInWave, waveBucket } from '../../../src/domain/rollout/wave-bucket.js';
import type { RolloutId } from '../../../src/domain/rollout/rollout-id.js';

const deviceId = (raw: string) => raw as DeviceId;
const rolloutId = (raw: string) => raw as RolloutId;

describe('wave bucket', () => {
  it('is MurmurHash3 (seed 0) of "rolloutId NUL deviceId" modulo 10,000', () => {
    const hash = murmurHash3x86(utf8Bytes('r-1\u0000esp-1'), 0);
    expect(waveBucket(rolloutId('r-1'), deviceId('esp-1'))).to.equal(hash % 10_000);
  });

  // Pinned: a change here would move devices between waves of rollouts already running.
  it('gives these devices these buckets, in every process and every version', () => {
    expect(waveBucket(rolloutId('r-1'), deviceId('esp-1'))).to.equal(waveBucket(rolloutId('r-1'), deviceId('esp-1')));
    const buckets = ['esp-1', 'esp-2', 'AA:BB:CC:DD:EE:FF'].map((id) => waveBucket(rolloutId('r-1'), deviceId(id)));
    expect(buckets).to.deep.equal(PINNED);
  });

  it('keeps the two ids apart (the NUL): ("ab", "c") and ("a", "bc") are different inputs', () => {
    expect(waveBucket(rolloutId('ab'), deviceId('c'))).to.not.equal(waveBucket(rolloutId('a'), deviceId('bc')));
  });

  it('is in a wave when below percent x 100: 0.01% holds bucket 0 only, 100% every bucket', () => {
    expect(isInWave(0, 0.01)).to.equal(true);
    expect(isInWave(1, 0.01)).to.equal(false);
    expect(isInWave(999, 10)).to.equal(true);
    expect(isInWave(1000, 10)).to.equal(false);
    expect(isInWave(9999, 100)).to.equal(true);
  });

  it('does not let float rounding move a boundary (0.07 x 100 is 7.000000000000001)', () => {
    expect(isInWave(6, 0.07)).to.equal(true);
    expect(isInWave(7, 0.07)).to.equal(false);
    expect(isInWave(5698, 56.99)).to.equal(true);
    expect(isInWave(5699, 56.99)).to.equal(false);
  });
});

/** Computed once, and checked against an independent implementation (Python) of the same algorithm. */
const PINNED: readonly number[] = [6549, 7018, 7214];
