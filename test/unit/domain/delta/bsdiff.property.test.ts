import { expect } from 'chai';
import fc from 'fast-check';
import { bsdiffControls } from '../../../../src/domain/delta/bsdiff.js';
import { rebuildFromControls } from '../../../support/bsdiff-controls-check.js';
import { arbitraryDeltaPair, syntheticPairs } from '../../../support/delta-pairs.js';

describe('bsdiffControls: well-formed controls that rebuild the target', () => {
  it('on random pairs (random bytes, runs, periodic stretches; inserted, deleted, moved, changed, relocated)', () => {
    fc.assert(
      fc.property(arbitraryDeltaPair(), ({ base, target }) => {
        expect(rebuildFromControls(base, target, bsdiffControls(base, target))).to.deep.equal(target);
      }),
      { numRuns: 200 },
    );
  });

  it('on pairs made from real images (when ../shared is there) and built images', function () {
    this.timeout(60_000);
    for (const { name, base, target } of syntheticPairs()) {
      const controls = bsdiffControls(base, target);
      expect(rebuildFromControls(base, target, controls), name).to.deep.equal(new Uint8Array(target));
    }
  });
});
