import { expect } from 'chai';
import fc from 'fast-check';
import { isOverdue, learnPollInterval } from '../../../src/domain/fleet/poll-interval.js';

const MINUTE = 60_000;
const gap = fc.integer({ min: 0, max: 7 * 24 * 60 * MINUTE });
const interval = fc.option(fc.integer({ min: 1_000, max: 24 * 60 * MINUTE }), { nil: null });

describe('poll interval', () => {
  it('takes the first gap as it is, then moves a quarter of the way to each new one', () => {
    expect(learnPollInterval(null, 60_000)).to.equal(60_000);
    expect(learnPollInterval(60_000, 100_000)).to.equal(70_000);
    expect(learnPollInterval(70_000, 30_000)).to.equal(60_000);
  });

  it('ignores gaps under a second (retries, bursts)', () => {
    expect(learnPollInterval(null, 999)).to.equal(null);
    expect(learnPollInterval(60_000, 0)).to.equal(60_000);
    expect(learnPollInterval(null, 1_000)).to.equal(1_000);
  });

  it('is overdue after three intervals, never before 15 minutes, and after 15 minutes with no interval', () => {
    expect(isOverdue(0, null, 15 * MINUTE)).to.equal(false);
    expect(isOverdue(0, null, 15 * MINUTE + 1)).to.equal(true);
    expect(isOverdue(0, MINUTE, 15 * MINUTE)).to.equal(false);
    expect(isOverdue(0, MINUTE, 15 * MINUTE + 1)).to.equal(true);
    expect(isOverdue(0, 60 * MINUTE, 180 * MINUTE)).to.equal(false);
    expect(isOverdue(0, 60 * MINUTE, 180 * MINUTE + 1)).to.equal(true);
  });

  it('stays between the previous interval and the new gap, and follows a steady schedule (property)', () => {
    fc.assert(
      fc.property(interval, gap, (previous, next) => {
        const learned = learnPollInterval(previous, next);
        if (next < 1_000 || previous === null) {
          expect(learned).to.equal(next < 1_000 ? previous : next);
          return;
        }
        expect(learned).to.be.within(Math.min(previous, next), Math.max(previous, next));
        // A quarter of the way, to the millisecond.
        expect(Math.abs((learned ?? 0) - (previous + (next - previous) / 4))).to.be.at.most(0.5);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 24 * 60 * MINUTE }),
        fc.array(gap, { maxLength: 5 }),
        (steady, noise) => {
          const learned = [...noise, ...Array<number>(100).fill(steady)].reduce<number | null>(learnPollInterval, null);
          expect(Math.abs((learned ?? 0) - steady)).to.be.at.most(steady * 0.001 + 2);
        },
      ),
    );
  });

  it('is overdue exactly past max(3 intervals, 15 minutes), and stays overdue as time passes (property)', () => {
    fc.assert(
      fc.property(fc.nat(10 ** 12), interval, gap, gap, (lastSeen, learned, elapsed, more) => {
        const allowed = Math.max(3 * (learned ?? 0), 15 * MINUTE);
        expect(isOverdue(lastSeen, learned, lastSeen + elapsed)).to.equal(elapsed > allowed);
        if (isOverdue(lastSeen, learned, lastSeen + elapsed)) {
          expect(isOverdue(lastSeen, learned, lastSeen + elapsed + more)).to.equal(true);
        }
      }),
    );
  });
});
