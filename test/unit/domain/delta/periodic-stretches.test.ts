import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_PERIOD, periodicStretches, stretchSkipping } from '../../../../src/domain/delta/periodic-stretches.js';
import { byteByByte } from '../../../../src/domain/delta/suffix-search.js';

/** Where the stretch from i with period p ends, by the definition. */
function naiveEnd(bytes: Uint8Array, i: number, p: number): number {
  let j = i + p;
  while (j < bytes.length && bytes[j] === bytes[j - p]) j++;
  return Math.min(j, bytes.length);
}

/** Files of random bytes, runs and periodic stretches of periods up to 20. */
const arbitraryFile = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .record({ period: fc.uint8Array({ minLength: 1, maxLength: 20 }), length: fc.integer({ min: 1, max: 200 }) })
        .map(({ period, length }) => Uint8Array.from({ length }, (_, i) => period[i % period.length]!)),
    ),
    { maxLength: 8 },
  )
  .map((parts) => Uint8Array.from(parts.flatMap((part) => Array.from(part))));

describe('periodic stretches', () => {
  it('finds, at each position, the period reaching furthest (the smallest on a tie) and its end', () => {
    fc.assert(
      fc.property(arbitraryFile, (bytes) => {
        const { period, end } = periodicStretches(bytes);
        for (let i = 0; i < bytes.length; i++) {
          let best = 0;
          let bestEnd = 0;
          for (let p = 1; p <= MAX_PERIOD; p++) {
            const reach = naiveEnd(bytes, i, p);
            if (reach - i >= p + 8 && reach > bestEnd) [best, bestEnd] = [p, reach];
          }
          expect([period[i], end[i]], `position ${i}`).to.deep.equal([best, bestEnd]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('compares and measures common prefixes exactly as byte by byte does', () => {
    fc.assert(
      fc.property(arbitraryFile, arbitraryFile, fc.nat(), fc.nat(), (base, target, atSeed, fromSeed) => {
        const skipping = stretchSkipping(base, target);
        const plain = byteByByte(base, target);
        // 200 start pairs spread over both files (many inside stretches, where the skipping acts).
        for (let k = 0; k < 200; k++) {
          const at = (atSeed + k * 7) % (base.length + 1);
          const from = (fromSeed + k * 13) % (target.length + 1);
          expect(Math.sign(skipping.compare(at, from)), `compare ${at} ${from}`).to.equal(
            Math.sign(plain.compare(at, from)),
          );
          expect(skipping.matchLength(at, from), `matchLength ${at} ${from}`).to.equal(plain.matchLength(at, from));
        }
      }),
      { numRuns: 200 },
    );
  });
});
