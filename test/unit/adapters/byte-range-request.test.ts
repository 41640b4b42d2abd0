import { expect } from 'chai';
import { evaluateRange } from '../../../src/adapters/inbound/http/byte-range-request.js';
import { noneMatchSatisfied, rangeStillValid } from '../../../src/adapters/inbound/http/conditional-request.js';

describe('range and validator rules', () => {
  it('evaluates single ranges against the size', () => {
    expect(evaluateRange(undefined, 10)).to.deep.equal({ kind: 'full' });
    expect(evaluateRange('bytes=2-4', 10)).to.deep.equal({ kind: 'partial', range: { start: 2, end: 4 } });
    expect(evaluateRange('bytes=2-10', 10)).to.deep.equal({ kind: 'partial', range: { start: 2, end: 9 } });
    expect(evaluateRange('bytes=9-', 10)).to.deep.equal({ kind: 'partial', range: { start: 9, end: 9 } });
    expect(evaluateRange('bytes=-3', 10)).to.deep.equal({ kind: 'partial', range: { start: 7, end: 9 } });
    expect(evaluateRange('BYTES=0-0', 10)).to.deep.equal({ kind: 'partial', range: { start: 0, end: 0 } });
  });

  it('finds nothing satisfiable in an empty file or past the end', () => {
    for (const header of ['bytes=0-0', 'bytes=0-', 'bytes=-1'])
      expect(evaluateRange(header, 0)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=10-', 10)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=-0', 10)).to.deep.equal({ kind: 'unsatisfiable' });
  });

  it('ignores what it cannot honour exactly', () => {
    for (const header of ['bytes=1-2,4-5', 'bytes=5-1', 'bytes=a-b', 'lines=1-2', 'bytes=1.5-2', '']) {
      expect(evaluateRange(header, 10), header).to.deep.equal({ kind: 'full' });
    }
  });

  it('compares validators as RFC 9110 says', () => {
    expect(noneMatchSatisfied('W/"a"', '"a"')).to.equal(true);
    expect(noneMatchSatisfied('"b", "a"', '"a"')).to.equal(true);
    expect(noneMatchSatisfied('"b"', '"a"')).to.equal(false);
    expect(noneMatchSatisfied(undefined, '"a"')).to.equal(false);
    const modified = new Date('2026-11-26T10:00:00.500Z');
    expect(rangeStillValid('"a"', '"a"', modified)).to.equal(true);
    expect(rangeStillValid('W/"a"', '"a"', modified)).to.equal(false);
    expect(rangeStillValid(modified.toUTCString(), '"a"', modified)).to.equal(true);
    expect(rangeStillValid('Thu, 26 Nov 2026 09:59:59 GMT', '"a"', modified)).to.equal(false);
    expect(rangeStillValid(undefined, '"a"', modified)).to.equal(true);
  });
});
