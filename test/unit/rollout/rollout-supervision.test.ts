import { expect } from 'chai';
import { autoAdvanceDue } from '../../../src/domain/rollout/auto-advance.js';
import type { Rollout } from '../../../src/domain/rollout/rollout.js';
import { isRolloutComplete } from '../../../src/domain/rollout/rollout-completion.js';
import type { RolloutInput } from '../../../src/domain/rollout/rollout-definition.js';
import { superviseRollout } from '../../../src/domain/rollout/rollout-supervision.js';
import type { WaveSample } from '../../../src/domain/rollout/wave-sample.js';
import { MINUTE, rollout, T0 } from './support/rollout-fixtures.js';

const AUTO: Partial<RolloutInput> = {
  advance: { successPercent: 90, minResolved: 10, soakMinutes: 30 },
  halt: { failurePercent: 50, failureCount: 100, minResolved: 10 },
};
const sample = (succeeded: number, failed: number, inFlight = 0): WaveSample => ({
  resolved: succeeded + failed,
  succeeded,
  failed,
  provisional: 0,
  quiet: 0,
  unconfirmed: 0,
  inFlight,
  unreported: 0,
});
const SOAKED = T0 + 30 * MINUTE;

describe('auto-advance', () => {
  it('advances once the success rate, the resolved count and the soak time are all reached', () => {
    expect(autoAdvanceDue(rollout(AUTO), sample(9, 1), SOAKED)).to.equal(true);
  });

  it('waits for each of the three', () => {
    expect(autoAdvanceDue(rollout(AUTO), sample(8, 2), SOAKED), 'success rate').to.equal(false);
    expect(autoAdvanceDue(rollout(AUTO), sample(9, 0), SOAKED), 'resolved').to.equal(false);
    expect(autoAdvanceDue(rollout(AUTO), sample(10, 0), SOAKED - 1), 'soak').to.equal(false);
  });

  it("measures the soak from the wave's beginning", () => {
    const later: Rollout = { ...rollout(AUTO), waveStartedAt: T0 + 10 * MINUTE };
    expect(autoAdvanceDue(later, sample(10, 0), SOAKED)).to.equal(false);
    expect(autoAdvanceDue(later, sample(10, 0), SOAKED + 10 * MINUTE)).to.equal(true);
  });

  it('never advances a manual, paused, halted or finished rollout, nor from the last wave', () => {
    expect(autoAdvanceDue(rollout({ ...AUTO, advance: null }), sample(10, 0), SOAKED), 'manual').to.equal(false);
    for (const state of ['draft', 'paused', 'halted', 'completed', 'aborted'] as const) {
      expect(autoAdvanceDue(rollout(AUTO, state), sample(10, 0), SOAKED), state).to.equal(false);
    }
    expect(autoAdvanceDue(rollout(AUTO, 'running', 3), sample(10, 0), SOAKED), 'last wave').to.equal(false);
  });

  it('counts devices whose outcome is pending (downloaded unreported, booted unconfirmed or quiet) as not succeeded yet (a review, a new user)', () => {
    expect(autoAdvanceDue(rollout(AUTO), { ...sample(10, 0), unreported: 2 }, SOAKED)).to.equal(false);
    expect(autoAdvanceDue(rollout(AUTO), { ...sample(10, 0), quiet: 2 }, SOAKED)).to.equal(false);
    expect(autoAdvanceDue(rollout(AUTO), { ...sample(10, 0), provisional: 2 }, SOAKED)).to.equal(false);
    // A few under way do not hold a large wave back.
    expect(autoAdvanceDue(rollout(AUTO), { ...sample(100, 0), unreported: 3, provisional: 5 }, SOAKED)).to.equal(true);
  });

  it('never advances while the halt rule holds, even at the success rate', () => {
    const strict = {
      ...AUTO,
      advance: { successPercent: 50, minResolved: 10, soakMinutes: 0 },
      halt: { failurePercent: 20, failureCount: 100, minResolved: 10 },
    };
    expect(autoAdvanceDue(rollout(strict), sample(8, 2), SOAKED)).to.equal(false);
  });
});

describe('completion', () => {
  it('completes a running rollout at its last wave with nothing in flight and no device awaited', () => {
    expect(isRolloutComplete(rollout({}, 'running', 3), { inFlight: 0, awaiting: 0, unconfirmed: 0 })).to.equal(true);
  });

  it('waits for attempts in flight, awaited devices, the last wave, and a running state', () => {
    expect(isRolloutComplete(rollout({}, 'running', 3), { inFlight: 1, awaiting: 0, unconfirmed: 0 })).to.equal(false);
    expect(isRolloutComplete(rollout({}, 'running', 3), { inFlight: 0, awaiting: 1, unconfirmed: 0 })).to.equal(false);
    expect(isRolloutComplete(rollout({}, 'running', 2), { inFlight: 0, awaiting: 0, unconfirmed: 0 })).to.equal(false);
    expect(isRolloutComplete(rollout({}, 'paused', 3), { inFlight: 0, awaiting: 0, unconfirmed: 0 })).to.equal(false);
    // Devices that booted the image unconfirmed (quiet ones too): their outcome is not known yet (a review).
    expect(isRolloutComplete(rollout({}, 'running', 3), { inFlight: 0, awaiting: 0, unconfirmed: 2 })).to.equal(false);
  });
});

describe('supervision (the automatic moves)', () => {
  const kindOf = (
    from: Rollout,
    facts: { sample: WaveSample; awaiting?: number; waveDevices?: number },
    at = SOAKED,
  ) => {
    const change = superviseRollout(from, facts, at);
    return change === null ? null : change.ok ? change.events.map((e) => e.type) : change.refusal.code;
  };

  it('halts first, when failures reach the threshold', () => {
    const change = superviseRollout(rollout(AUTO), { sample: sample(5, 5), awaiting: 3 }, SOAKED);
    expect(change?.ok && change.rollout.state).to.equal('halted');
    expect(change?.ok && change.rollout.haltReason).to.deep.include({
      kind: 'failure-percent',
      failed: 5,
      resolved: 10,
    });
  });

  it('halts rather than completes at the last wave', () => {
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(5, 5), awaiting: 0 })).to.deep.equal([
      'rollout.halted',
    ]);
  });

  it('judges a wave of fewer devices than minResolved against all of them once they are counted: halts rather than completes (a review, a new user)', () => {
    // 8 devices, every one failed: never 10 to judge, and the wave was over.
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(0, 8), awaiting: 0, waveDevices: 8 })).to.deep.equal([
      'rollout.halted',
    ]);
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(5, 3), awaiting: 0, waveDevices: 8 })).to.deep.equal([
      'rollout.completed',
    ]);
    // Still under way, two devices awaited: 8 of 10 failed breaks the rule however the others end.
    const facts = { sample: sample(0, 8), awaiting: 2, waveDevices: 10 };
    expect(kindOf(rollout(AUTO, 'running', 3), facts)).to.deep.equal(['rollout.halted']);
    const halted = superviseRollout(rollout(AUTO, 'running', 3), facts, SOAKED);
    expect(halted?.ok && halted.rollout.haltReason).to.deep.include({ waveDevices: 10, failed: 8 });
    // 4 of 10 does not (the threshold is 50%): the others may yet succeed.
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(0, 4), awaiting: 6, waveDevices: 10 })).to.equal(null);
    // Devices not counted: minResolved holds.
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(0, 8, 1) })).to.equal(null);
  });

  it('does not complete while devices that booted the image are unconfirmed or quiet (a review)', () => {
    const booted = { ...sample(10, 0), quiet: 2, unconfirmed: 2 };
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: booted, awaiting: 0, waveDevices: 12 })).to.equal(null);
    // Booted in an earlier wave (before countingSince): unconfirmed all the same (a new user).
    const earlier = { ...sample(10, 0), unconfirmed: 2 };
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: earlier, awaiting: 0, waveDevices: 12 })).to.equal(null);
  });

  it('completes at the last wave when nothing is left', () => {
    expect(kindOf(rollout(AUTO, 'running', 3), { sample: sample(10, 0), awaiting: 0 })).to.deep.equal([
      'rollout.completed',
    ]);
  });

  it('advances by itself when due', () => {
    expect(kindOf(rollout(AUTO), { sample: sample(10, 0), awaiting: 4 })).to.deep.equal(['rollout.wave-advanced']);
  });

  it('does nothing otherwise, and never to a rollout that is not running', () => {
    expect(kindOf(rollout(AUTO), { sample: sample(3, 0, 2), awaiting: 4 })).to.equal(null);
    for (const state of ['draft', 'paused', 'halted', 'completed', 'aborted'] as const) {
      expect(kindOf(rollout(AUTO, state), { sample: sample(0, 10), awaiting: 0 }), state).to.equal(null);
    }
  });
});
