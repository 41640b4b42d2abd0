import { expect } from 'chai';
import fc from 'fast-check';
import { suffixArray } from '../../../../src/domain/delta/suffix-array.js';

/** The suffixes' order by plain comparison: a suffix that is a prefix of another comes first. */
function naiveSuffixArray(data: Uint8Array): number[] {
  const compare = (a: number, b: number): number => {
    while (a < data.length && b < data.length) {
      if (data[a] !== data[b]) return data[a]! - data[b]!;
      a++;
      b++;
    }
    return a === data.length ? -1 : 1;
  };
  return Array.from({ length: data.length + 1 }, (_, i) => i).sort((a, b) => (a === b ? 0 : compare(a, b)));
}

const periodic = (length: number, period: readonly number[]): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => period[i % period.length]!);

describe('suffixArray (SA-IS)', () => {
  it('gives the empty and the one-byte file their only orders', () => {
    expect(Array.from(suffixArray(new Uint8Array(0)))).to.deep.equal([0]);
    expect(Array.from(suffixArray(Uint8Array.of(0x00)))).to.deep.equal([1, 0]);
    expect(Array.from(suffixArray(Uint8Array.of(0xff)))).to.deep.equal([1, 0]);
  });

  it('orders "banana" as the textbook does, the empty suffix first', () => {
    expect(Array.from(suffixArray(new TextEncoder().encode('banana')))).to.deep.equal([6, 5, 3, 1, 0, 4, 2]);
  });

  it('matches a naive sort on adversarial inputs: one byte repeated, periodic, 0/1 only, descending', () => {
    const inputs = [
      new Uint8Array(1000),
      new Uint8Array(777).fill(0xff),
      periodic(1000, [0, 1]),
      periodic(999, [1, 2, 3]),
      periodic(1024, [0xff, 0xff, 0xff, 0x00]),
      periodic(600, [7, 7, 7, 7, 7, 7, 7, 8]),
      Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
      Uint8Array.from({ length: 1000 }, (_, i) => (i * i) & 1),
      // Fibonacci word: many repeats of every length, the deepest recursion for its size.
      (() => {
        let [a, b] = ['0', '01'];
        while (b.length < 2000) [a, b] = [b, b + a];
        return Uint8Array.from(b, (c) => Number(c));
      })(),
    ];
    for (const input of inputs) expect(Array.from(suffixArray(input))).to.deep.equal(naiveSuffixArray(input));
  });

  it('matches a naive sort on random files over small and full alphabets', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.array(fc.constantFrom(0, 1), { maxLength: 600 }).map((bits) => Uint8Array.from(bits)),
          fc.array(fc.constantFrom(0x00, 0xff, 0x41), { maxLength: 600 }).map((bytes) => Uint8Array.from(bytes)),
        ),
        (data) => {
          expect(Array.from(suffixArray(data))).to.deep.equal(naiveSuffixArray(data));
        },
      ),
      { numRuns: 300 },
    );
  });
});
