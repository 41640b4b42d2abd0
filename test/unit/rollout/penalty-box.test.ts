import { expect } from 'chai';
import type { AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import { penaltyOf, penaltyStartedBy } from '../../../src/domain/rollout/penalty-box.js';
import { rolledBackVersionsOf } from '../../../src/domain/rollout/rolled-back-versions.js';
import type { PastAttempt } from '../../../src/domain/rollout/rollout-device.js';
import type { UpdateFilePath } from '../../../src/domain/update-file-path.js';
import { HOUR, T0, TARGET_FILE } from './support/rollout-fixtures.js';

const IMAGE = { file: TARGET_FILE, version: '2.0.0' };
const RULE = { failures: 3, hours: 24 };
const attempt = (state: AttemptState, updatedAt: number, overrides: Partial<PastAttempt> = {}): PastAttempt => ({
  file: TARGET_FILE,
  version: '2.0.0',
  state,
  updatedAt,
  ...overrides,
});
const threeFailures = [
  attempt('rolled-back', T0),
  attempt('download-failed', T0 + HOUR),
  attempt('silent', T0 + 2 * HOUR),
];

describe('penalty box', () => {
  it('holds a device whose attempts of the image failed 3 times, for 24 hours from the last failure', () => {
    expect(penaltyOf(threeFailures, IMAGE, RULE, null, T0 + 2 * HOUR)).to.deep.equal({
      failures: 3,
      lastFailureAt: T0 + 2 * HOUR,
      until: T0 + 26 * HOUR,
    });
    expect(penaltyOf(threeFailures, IMAGE, RULE, null, T0 + 26 * HOUR - 1)).to.not.equal(null);
    expect(penaltyOf(threeFailures, IMAGE, RULE, null, T0 + 26 * HOUR)).to.equal(null);
  });

  it('does not count two failures, successes, attempts in flight, or other images', () => {
    const attempts = [
      attempt('rolled-back', T0),
      attempt('refused', T0),
      attempt('succeeded', T0),
      attempt('downloading', T0),
      attempt('rolled-back', T0, { version: '2.0.1' }),
      attempt('rolled-back', T0, { file: 'fw/other.bin' as UpdateFilePath }),
    ];
    expect(penaltyOf(attempts, IMAGE, RULE, null, T0)).to.equal(null);
  });

  it('follows the rule: 1 failure and half an hour', () => {
    const rule = { failures: 1, hours: 0.5 };
    expect(penaltyOf([attempt('refused', T0)], IMAGE, rule, null, T0 + HOUR / 2 - 1)).to.not.equal(null);
    expect(penaltyOf([attempt('refused', T0)], IMAGE, rule, null, T0 + HOUR / 2)).to.equal(null);
  });

  it('is cleared by an operator: failures at or before the clearing no longer count', () => {
    expect(penaltyOf(threeFailures, IMAGE, RULE, T0 + 2 * HOUR, T0 + 3 * HOUR)).to.equal(null);
    const later = [...threeFailures, attempt('refused', T0 + 4 * HOUR)];
    expect(penaltyOf(later, IMAGE, RULE, T0 + HOUR, T0 + 4 * HOUR)).to.equal(null);
  });

  it('puts a device that fails again after its time in the box straight back in', () => {
    const again = [...threeFailures, attempt('rolled-back', T0 + 30 * HOUR)];
    expect(penaltyOf(again, IMAGE, RULE, null, T0 + 30 * HOUR)?.until).to.equal(T0 + 54 * HOUR);
  });

  it('names the failure that put a device in the box, once per stay', () => {
    const [first, second, third] = threeFailures as [PastAttempt, PastAttempt, PastAttempt];
    expect(penaltyStartedBy([first], second, RULE, null)).to.equal(null);
    expect(penaltyStartedBy([first, second], third, RULE, null)?.failures).to.equal(3);
    const fourth = attempt('refused', T0 + 3 * HOUR);
    expect(penaltyStartedBy(threeFailures, fourth, RULE, null)).to.equal(null);
    expect(penaltyStartedBy([first, second], attempt('succeeded', T0 + 3 * HOUR), RULE, null)).to.equal(null);
  });
});

describe('rolled-back versions', () => {
  it('are the versions whose attempts rolled back after the last clearing', () => {
    const attempts = [
      attempt('rolled-back', T0, { version: '1.9.0' }),
      attempt('rolled-back', T0 + 2 * HOUR, { version: '2.0.0' }),
      attempt('refused', T0 + 2 * HOUR, { version: '2.1.0' }),
      attempt('rolled-back', T0 + 2 * HOUR, { version: null }),
    ];
    expect([...rolledBackVersionsOf(attempts, null)]).to.deep.equal(['1.9.0', '2.0.0']);
    expect([...rolledBackVersionsOf(attempts, T0 + HOUR)]).to.deep.equal(['2.0.0']);
  });
});
