import { expect } from 'chai';
import fc from 'fast-check';
import { addSpan, coversWhole, highestServedEnd, servedBytes } from '../../../src/domain/fleet/byte-coverage.js';
import type { ByteSpan } from '../../../src/domain/fleet/update-attempt.js';

const SIZE = 40;
/** A span inside a small file, possibly empty or reversed (both add nothing). */
const span = fc.tuple(fc.nat(SIZE), fc.nat(SIZE)).map(([start, end]): ByteSpan => [start, end]);
const spanLists = fc.array(span, { maxLength: 12 });

const fold = (spans: readonly ByteSpan[]): readonly ByteSpan[] => spans.reduce(addSpan, [] as readonly ByteSpan[]);

/** The bytes the spans name, one by one: the brute-force model. */
function bytesOf(spans: readonly ByteSpan[]): Set<number> {
  const bytes = new Set<number>();
  for (const [start, end] of spans) for (let byte = start; byte < end; byte++) bytes.add(byte);
  return bytes;
}

describe('byte coverage', () => {
  it('merges overlapping and adjacent spans and keeps them sorted', () => {
    expect(addSpan([], [10, 20])).to.deep.equal([[10, 20]]);
    expect(addSpan([[10, 20]], [0, 5])).to.deep.equal([
      [0, 5],
      [10, 20],
    ]);
    expect(addSpan([[10, 20]], [20, 30])).to.deep.equal([[10, 30]]);
    expect(addSpan([[10, 20]], [5, 10])).to.deep.equal([[5, 20]]);
    expect(
      addSpan(
        [
          [0, 5],
          [10, 20],
          [30, 40],
        ],
        [4, 31],
      ),
    ).to.deep.equal([[0, 40]]);
  });

  it('ignores empty and reversed spans, and returns the same list when nothing is new', () => {
    const spans: readonly ByteSpan[] = [[0, 10]];
    expect(addSpan(spans, [5, 5])).to.equal(spans);
    expect(addSpan(spans, [8, 3])).to.equal(spans);
    expect(addSpan(spans, [2, 10])).to.equal(spans);
    expect(addSpan(spans, [2, 11])).to.not.equal(spans);
  });

  it('covers the whole file only with one span from 0 to the size (resumed downloads add up)', () => {
    expect(coversWhole([], 0)).to.equal(true);
    expect(coversWhole([], 1)).to.equal(false);
    expect(coversWhole([[0, 100]], 100)).to.equal(true);
    expect(coversWhole([[0, 99]], 100)).to.equal(false);
    expect(coversWhole([[1, 100]], 100)).to.equal(false);
    // A download cut at 60, resumed with `Range: bytes=60-`.
    expect(
      coversWhole(
        fold([
          [0, 60],
          [60, 100],
        ]),
        100,
      ),
    ).to.equal(true);
    expect(
      coversWhole(
        [
          [0, 50],
          [51, 100],
        ],
        100,
      ),
    ).to.equal(false);
  });

  it('counts served bytes once and finds the furthest byte', () => {
    expect(servedBytes([])).to.equal(0);
    expect(highestServedEnd([])).to.equal(0);
    const spans = fold([
      [0, 10],
      [5, 15],
      [30, 40],
    ]);
    expect(servedBytes(spans)).to.equal(25);
    expect(highestServedEnd(spans)).to.equal(40);
  });

  it('keeps spans sorted, non-empty, merged and apart (property)', () => {
    fc.assert(
      fc.property(spanLists, (spans) => {
        const merged = fold(spans);
        merged.forEach(([start, end], index) => {
          expect(start, 'non-empty').to.be.lessThan(end);
          const next = merged[index + 1];
          // Strictly apart: touching spans would have been merged.
          if (next !== undefined) expect(end, 'apart').to.be.lessThan(next[0]);
        });
      }),
    );
  });

  it('names exactly the bytes of the spans added, counted as a brute force would (property)', () => {
    fc.assert(
      fc.property(spanLists, (spans) => {
        const merged = fold(spans);
        const expected = bytesOf(spans);
        expect([...bytesOf(merged)].sort((a, b) => a - b)).to.deep.equal([...expected].sort((a, b) => a - b));
        expect(servedBytes(merged)).to.equal(expected.size);
        expect(highestServedEnd(merged)).to.equal(expected.size === 0 ? 0 : Math.max(...expected) + 1);
        for (let size = 0; size <= SIZE; size++) {
          let whole = true;
          for (let byte = 0; byte < size; byte++) whole &&= expected.has(byte);
          expect(coversWhole(merged, size), `size ${size}`).to.equal(whole);
        }
      }),
    );
  });

  it('does not depend on the order spans were added in (property)', () => {
    fc.assert(
      fc.property(
        spanLists.chain((spans) =>
          fc.tuple(fc.constant(spans), fc.shuffledSubarray(spans, { minLength: spans.length })),
        ),
        ([spans, shuffled]) => {
          expect(fold(shuffled)).to.deep.equal(fold(spans));
        },
      ),
    );
  });
});
