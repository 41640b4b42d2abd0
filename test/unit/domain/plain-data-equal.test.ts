import { expect } from 'chai';
import fc from 'fast-check';
import { plainDataEqual } from '../../../src/domain/plain-data-equal.js';

describe('plainDataEqual', () => {
  it('holds for a value and its JSON copy, keys in another order included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = JSON.parse(JSON.stringify(value)) as unknown;
        const reordered =
          typeof copy === 'object' && copy !== null && !Array.isArray(copy)
            ? Object.fromEntries(Object.entries(copy).reverse())
            : copy;
        expect(plainDataEqual(value, copy)).to.equal(true);
        expect(plainDataEqual(reordered, value)).to.equal(true);
      }),
    );
  });

  it('agrees with a comparison of canonical JSON on any two values', () => {
    const canonical = (value: unknown): string =>
      JSON.stringify(value, (_key, inner: unknown) =>
        typeof inner === 'object' && inner !== null && !Array.isArray(inner)
          ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : inner,
      );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        expect(plainDataEqual(a, b)).to.equal(canonical(a) === canonical(b));
      }),
    );
  });

  it('tells apart what differs by one member, an array order, a missing key, a type', () => {
    expect(plainDataEqual({ a: [1, 2] }, { a: [2, 1] })).to.equal(false);
    expect(plainDataEqual({ a: 1 }, { a: 1, b: 2 })).to.equal(false);
    expect(plainDataEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).to.equal(false);
    expect(plainDataEqual({ a: null }, { a: 0 })).to.equal(false);
    expect(plainDataEqual([], {})).to.equal(false);
    expect(plainDataEqual('1', 1)).to.equal(false);
    // An absent member and one explicitly undefined are the same (JSON drops both).
    expect(plainDataEqual({ a: 1, b: undefined }, { a: 1 })).to.equal(true);
  });
});
