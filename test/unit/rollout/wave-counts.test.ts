import { expect } from 'chai';
import { ATTEMPT_STATES, type AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import { describeHaltReason, haltReasonOf } from '../../../src/domain/rollout/halt-check.js';
import type { HaltRule } from '../../../src/domain/rollout/rollout-definition.js';
import { IN_FLIGHT_ATTEMPT_STATES, sampleWave, type WaveSample } from '../../../src/domain/rollout/wave-sample.js';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { T0 } from './support/rollout-fixtures.js';

const attempt = (state: AttemptState, updatedAt = T0, offeredAt = updatedAt - 1, deviceId = 'd' as DeviceId) => ({
  deviceId,
  state,
  updatedAt,
  offeredAt,
});
/** Each attempt a device of its own. */
const alone = (...attempts: Array<ReturnType<typeof attempt>>) => attempts.map((one) => [one]);
const sample = (succeeded: number, failed: number, inFlight = 0, provisional = 0): WaveSample => ({
  resolved: succeeded + failed,
  succeeded,
  failed,
  provisional,
  quiet: 0,
  unconfirmed: 0,
  inFlight: inFlight + provisional,
  unreported: 0,
});

describe('wave sample', () => {
  it('counts succeeded and the four failures as resolved, the rest as in flight: every state is exactly one', () => {
    const counts = sampleWave(alone(...ATTEMPT_STATES.map((state) => attempt(state))), { since: T0 });
    expect(counts).to.deep.equal({
      resolved: 5,
      succeeded: 1,
      failed: 4,
      provisional: 1,
      quiet: 0,
      unconfirmed: 1,
      inFlight: 4,
      unreported: 1,
    });
    expect([...IN_FLIGHT_ATTEMPT_STATES]).to.deep.equal(['offered', 'downloading', 'downloaded', 'provisional']);
  });

  it('counts only devices resolved or booted at or after `since`; in-flight ones whenever they were offered', () => {
    const devices = alone(
      attempt('rolled-back', T0 - 1),
      attempt('succeeded', T0 - 1),
      attempt('refused', T0),
      attempt('succeeded', T0 + 5),
      attempt('downloading', T0 - 1_000),
      attempt('provisional', T0 - 1_000),
    );
    expect(sampleWave(devices, { since: T0 })).to.deep.equal({
      resolved: 2,
      succeeded: 1,
      failed: 1,
      provisional: 0,
      quiet: 0,
      unconfirmed: 1,
      inFlight: 2,
      unreported: 0,
    });
  });

  it('counts a device once, by its latest attempt: a flaky device offered again is one failure, not three', () => {
    // Found by a new user: one device of eleven whose downloads kept failing halted the wave at "3 of 10".
    const flaky = [
      attempt('download-failed', T0 + 10, T0 + 1),
      attempt('download-failed', T0 + 20, T0 + 11),
      attempt('downloading', T0 + 25, T0 + 21),
    ];
    const fine = Array.from({ length: 10 }, () => [attempt('succeeded', T0 + 30, T0 + 2)]);
    expect(sampleWave([flaky, ...fine], { since: T0 })).to.deep.equal({
      resolved: 11,
      succeeded: 10,
      failed: 1,
      provisional: 0,
      quiet: 0,
      unconfirmed: 0,
      inFlight: 1,
      unreported: 0,
    });
    // Its new attempt succeeding takes the failure back; a withdrawn offer says nothing.
    const recovered = [...flaky.slice(0, 2), attempt('succeeded', T0 + 40, T0 + 21), attempt('withdrawn', T0 + 50)];
    expect(sampleWave([recovered], { since: T0 })).to.deep.equal({
      resolved: 1,
      succeeded: 1,
      failed: 0,
      provisional: 0,
      quiet: 0,
      unconfirmed: 0,
      inFlight: 0,
      unreported: 0,
    });
    // A device that booted the image since `since` weighs against failures however long ago (a
    // device polling every few hours is not stale; a review); one that went quiet is neither a
    // success nor a failure, but pending (a device that hangs, or one switched off for the night).
    const hung = [
      [attempt('provisional', T0 + 10, T0, 'hung' as DeviceId)],
      [attempt('provisional', T0 + 10, T0, 'polling' as DeviceId)],
      [attempt('provisional', T0 - 10, T0 - 20, 'before' as DeviceId)],
    ];
    const quiet = (id: DeviceId) => id !== 'polling';
    expect(sampleWave(hung, { since: T0, quiet })).to.deep.include({
      failed: 0,
      provisional: 1,
      quiet: 1,
      resolved: 0,
    });
    expect(sampleWave(hung, { since: T0 - 100 })).to.deep.include({ provisional: 3, quiet: 0 });
    // Downloaded and not reported since: booting it, or a brick.
    const downloaded = [[attempt('downloaded', T0 - 10)], [attempt('downloaded', T0 + 10)], [attempt('provisional')]];
    expect(sampleWave(downloaded, { since: T0 - 100 }).unreported).to.equal(2);
    // A failure before `since` is not this window's, even while the device is offered again.
    expect(
      sampleWave([[attempt('refused', T0 - 5, T0 - 9), attempt('offered', T0 + 1, T0 + 1)]], { since: T0 }).failed,
    ).to.equal(0);
  });
});

describe('automatic halt', () => {
  const rule: HaltRule = { failurePercent: 20, failureCount: 5, minResolved: 10 };

  it('judges nothing below minResolved, however bad', () => {
    expect(haltReasonOf(sample(0, 9), rule)).to.equal(null);
  });

  it('halts when failures reach the percentage (at or over) of resolved devices', () => {
    expect(haltReasonOf(sample(8, 2), rule)).to.deep.equal({
      kind: 'failure-percent',
      resolved: 10,
      succeeded: 8,
      failed: 2,
      provisional: 0,
      waveDevices: null,
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
      '5 of 100 devices failed (5%), at or over the threshold of 5 failures',
    );
    const weighed = haltReasonOf(sample(8, 4, 0, 8), rule);
    expect(weighed && describeHaltReason(weighed)).to.equal(
      '4 of 20 devices failed (20%; 8 of the 20 booted the image, not yet confirmed), at or over the 20% threshold',
    );
  });

  it('weighs failures against the devices that booted the image too: rollbacks are known a check after booting, successes only checks or minutes later', () => {
    // Found by a new user: 3 of 20 devices rolling back (15%) halted a 20% rule at "3 of 10 failed",
    // since the first devices to resolve were the rollbacks.
    expect(haltReasonOf(sample(7, 3, 0, 10), rule)).to.equal(null);
    expect(haltReasonOf(sample(0, 3, 0, 17), rule)).to.equal(null);
    // Judged once devices resolved or booted reach minResolved, however few resolved.
    expect(haltReasonOf(sample(0, 3, 0, 7), rule)?.kind).to.equal('failure-percent');
    expect(haltReasonOf(sample(0, 3, 0, 6), rule)).to.equal(null);
  });
});
