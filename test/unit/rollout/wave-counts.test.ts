import { expect } from 'chai';
import { ATTEMPT_STATES, type AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import { describeHaltReason, haltReasonOf } from '../../../src/domain/rollout/halt-check.js';
import type { HaltRule } from '../../../src/domain/rollout/rollout-definition.js';
import { IN_FLIGHT_ATTEMPT_STATES, sampleWave, type WaveSample } from '../../../src/domain/rollout/wave-sample.js';
import { T0 } from './support/rollout-fixtures.js';

const attempt = (state: AttemptState, updatedAt = T0) => ({ state, updatedAt });
const sample = (succeeded: number, failed: number, inFlight = 0): WaveSample => ({
  resolved: succeeded + failed,
  succeeded,
  failed,
  inFlight,
});

describe('wave sample', () => {
  it('counts succeeded and the four failures as resolved, the rest as in flight: every state is exactly one', () => {
    const counts = sampleWave(
      ATTEMPT_STATES.map((state) => attempt(state)),
      T0,
    );
    expect(counts).to.deep.equal({ resolved: 5, succeeded: 1, failed: 4, inFlight: 4 });
    expect([...IN_FLIGHT_ATTEMPT_STATES]).to.deep.equal(['offered', 'downloading', 'downloaded', 'provisional']);
  });

  it('counts only attempts resolved at or after `since`; in-flight ones whenever they were offered', () => {
    const attempts = [
      attempt('rolled-back', T0 - 1),
      attempt('succeeded', T0 - 1),
      attempt('refused', T0),
      attempt('succeeded', T0 + 5),
      attempt('downloading', T0 - 1_000),
    ];
    expect(sampleWave(attempts, T0)).to.deep.equal({ resolved: 2, succeeded: 1, failed: 1, inFlight: 1 });
  });
});

describe('automatic halt', () => {
  const rule: HaltRule = { failurePercent: 20, failureCount: 5, minResolved: 10 };

  it('judges nothing below minResolved, however bad', () => {
    expect(haltReasonOf(sample(0, 9), rule)).to.equal(null);
  });

  it('halts when failures reach the percentage (at or over) of resolved attempts', () => {
    expect(haltReasonOf(sample(8, 2), rule)).to.deep.equal({
      kind: 'failure-percent',
      resolved: 10,
      succeeded: 8,
      failed: 2,
      failurePercent: 20,
      failureCount: 5,
    });
    expect(haltReasonOf(sample(9, 1), rule)).to.equal(null);
  });

  it('halts when failures reach the count, whatever their share', () => {
    expect(haltReasonOf(sample(95, 5), rule)?.kind).to.equal('failure-count');
    expect(haltReasonOf(sample(96, 4), rule)).to.equal(null);
  });

  it('judges fractional percentages exactly (0.01% of 10,000 is one failure)', () => {
    const fine: HaltRule = { failurePercent: 0.01, failureCount: 1_000, minResolved: 1 };
    expect(haltReasonOf(sample(9_999, 1), fine)?.kind).to.equal('failure-percent');
    expect(haltReasonOf(sample(10_000, 0), fine)).to.equal(null);
  });

  it('says why in a sentence', () => {
    const reason = haltReasonOf(sample(95, 5), rule);
    expect(reason && describeHaltReason(reason)).to.equal(
      '5 of 100 resolved attempts failed (5%), at or over the threshold of 5 failures',
    );
  });
});
