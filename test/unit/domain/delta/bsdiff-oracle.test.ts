import { expect } from 'chai';
import fc from 'fast-check';
import { bsdiffControls } from '../../../../src/domain/delta/bsdiff.js';
import { arbitraryDeltaPair, syntheticPairs } from '../../../support/delta-pairs.js';
import type { DeltaPair } from '../../../support/delta-pairs.js';
import { plainBsdiffControls, requirePlainBsdiff } from '../../../support/plain-bsdiff.js';

// Debian's bsdiff 4.3 is Colin Percival's own program: an oracle independent of detools' goldens.
// It mmaps both files, which fails on an empty one: those pairs are left to the other tests.
const nonEmpty = ({ base, target }: DeltaPair): boolean => base.length > 0 && target.length > 0;

describe("bsdiffControls against Debian's bsdiff", function () {
  before(function () {
    requirePlainBsdiff(this);
  });

  it('makes the same controls on random pairs', () => {
    fc.assert(
      fc.property(arbitraryDeltaPair().filter(nonEmpty), ({ base, target }) => {
        expect(bsdiffControls(base, target)).to.deep.equal(plainBsdiffControls(base, target));
      }),
      { numRuns: 25 },
    );
  });

  it('makes the same controls on pairs made from real and built images', function () {
    this.timeout(60_000);
    for (const { name, base, target } of syntheticPairs().filter(nonEmpty)) {
      expect(bsdiffControls(base, target), name).to.deep.equal(plainBsdiffControls(base, target));
    }
  });
});
