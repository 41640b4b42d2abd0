import { expect } from 'chai';
import fc from 'fast-check';
import { autoAdvanceDue } from '../../../src/domain/rollout/auto-advance.js';
import { haltReasonOf } from '../../../src/domain/rollout/halt-check.js';
import { superviseRollout } from '../../../src/domain/rollout/rollout-supervision.js';
import { ROLLOUT_STATES } from '../../../src/domain/rollout/rollout-state.js';
import { MINUTE, rollout, T0 } from './support/rollout-fixtures.js';

const scenarios = fc.record({
  state: fc.constantFrom(...ROLLOUT_STATES, 'running', 'running'),
  wave: fc.nat(3),
  advance: fc.record({
    successPercent: fc.integer({ min: 1, max: 100 }),
    minResolved: fc.integer({ min: 1, max: 20 }),
    soakMinutes: fc.nat(60),
  }),
  halt: fc.record({
    failurePercent: fc.integer({ min: 1, max: 100 }),
    failureCount: fc.integer({ min: 1, max: 20 }),
    minResolved: fc.integer({ min: 1, max: 20 }),
  }),
  succeeded: fc.nat(30),
  failed: fc.nat(10),
  inFlight: fc.nat(3),
  awaiting: fc.nat(2),
  elapsedMinutes: fc.nat(90),
});

describe('rollout supervision (properties)', () => {
  it('never advances a rollout that is not running, or while the halt rule holds; halts whenever it holds', () => {
    let advanced = 0;
    fc.assert(
      fc.property(scenarios, (s) => {
        const from = rollout({ advance: s.advance, halt: s.halt }, s.state, s.wave);
        const sample = {
          resolved: s.succeeded + s.failed,
          succeeded: s.succeeded,
          failed: s.failed,
          provisional: 0,
          quiet: 0,
          unconfirmed: 0,
          inFlight: s.inFlight,
          unreported: 0,
        };
        const now = T0 + s.elapsedMinutes * MINUTE;
        const halts = haltReasonOf(sample, from.definition.halt) !== null;
        const due = autoAdvanceDue(from, sample, now);
        if (due) {
          advanced += 1;
          expect(from.state).to.equal('running');
          expect(halts).to.equal(false);
        }
        const change = superviseRollout(from, { sample, awaiting: s.awaiting }, now);
        if (from.state !== 'running') {
          expect(change).to.equal(null);
        } else if (halts) {
          expect(change?.ok && change.rollout.state).to.equal('halted');
        } else if (change !== null) {
          expect(change.ok).to.equal(true);
          if (change.ok && change.rollout.wave !== from.wave) expect(due).to.equal(true);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(advanced).to.be.above(50);
  });
});
