import { expect } from 'chai';
import { durationText, relativeTime, sinceTime } from '../../../src/cli/relative-time.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('cli: relative time', () => {
  it('shows a span in its largest unit, rounded down', () => {
    expect(durationText(0)).to.equal('0s');
    expect(durationText(999)).to.equal('0s');
    expect(durationText(42 * SECOND)).to.equal('42s');
    expect(durationText(90 * SECOND)).to.equal('1m');
    expect(durationText(59 * MINUTE + 59 * SECOND)).to.equal('59m');
    expect(durationText(3 * HOUR)).to.equal('3h');
    expect(durationText(26 * HOUR)).to.equal('1d');
    expect(durationText(400 * DAY)).to.equal('400d');
  });

  it('shows two units when asked, leaving out a zero second one', () => {
    expect(durationText(90 * SECOND, 2)).to.equal('1m30s');
    expect(durationText(2 * HOUR, 2)).to.equal('2h');
    expect(durationText(2 * HOUR + 30 * SECOND, 2)).to.equal('2h');
    expect(durationText(DAY + 2 * HOUR + 5 * MINUTE, 2)).to.equal('1d2h');
    expect(durationText(12.4 * SECOND, 2)).to.equal('12s');
  });

  it('says how long ago, "just now" within a second, "in ..." for a time ahead', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(relativeTime(now, now)).to.equal('just now');
    expect(relativeTime(now - 400, now)).to.equal('just now');
    expect(relativeTime(now - 3 * MINUTE - 10 * SECOND, now)).to.equal('3m ago');
    expect(relativeTime(now - 2 * DAY, now)).to.equal('2d ago');
    expect(relativeTime(now + 2 * MINUTE, now)).to.equal('in 2m');
  });

  it('reads a span as that long before now and keeps any other time as it is', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    expect(sinceTime('15m', now)).to.equal('2026-11-27T11:45:00.000Z');
    expect(sinceTime('24h', now)).to.equal('2026-11-26T12:00:00.000Z');
    expect(sinceTime('7d', now)).to.equal('2026-11-20T12:00:00.000Z');
    expect(sinceTime('90s', now)).to.equal('2026-11-27T11:58:30.000Z');
    expect(sinceTime('2026-11-01T00:00:00Z', now)).to.equal('2026-11-01T00:00:00Z');
    expect(sinceTime('yesterday', now)).to.equal(undefined);
  });

  it('takes a time only as the API does: a bare number, a month name or a day the calendar lacks is no time', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    // Date.parse takes each of these (the server then refused them with 400, exit 5).
    for (const raw of ['7', '90', 'March 7', '2026-02-30', '2026-11-01 00:00']) {
      expect(sinceTime(raw, now), raw).to.equal(undefined);
    }
    expect(sinceTime('2026-11-01', now)).to.equal('2026-11-01');
    expect(sinceTime('2026-11-01T00:00:00+01:00', now)).to.equal('2026-11-01T00:00:00+01:00');
  });
});
