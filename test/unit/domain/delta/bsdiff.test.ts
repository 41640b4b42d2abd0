import { expect } from 'chai';
import fc from 'fast-check';
import { bsdiffControls, bsdiffControlsWith } from '../../../../src/domain/delta/bsdiff.js';
import { byteByByte } from '../../../../src/domain/delta/suffix-search.js';
import { rebuildFromControls } from '../../../support/bsdiff-controls-check.js';
import {
  GOLDEN_PAIRS,
  deltaFixture,
  readNonePatch,
  skipWithoutDeltaFixtures,
} from '../../../support/delta-fixtures.js';
import { prng } from '../../../support/esp-image-builder.js';
import { arbitraryDeltaPair, syntheticPairs } from '../../../support/delta-pairs.js';

describe('bsdiffControls', () => {
  describe('the golden vectors', function () {
    before(function () {
      skipWithoutDeltaFixtures(this);
    });

    for (const pair of GOLDEN_PAIRS) {
      it(`makes exactly the controls of detools' none patch: ${pair.name}`, () => {
        const golden = readNonePatch(deltaFixture(pair.none));
        const target = deltaFixture(pair.new);
        expect(golden.targetSize).to.equal(target.length);
        expect(bsdiffControls(deltaFixture(pair.old), target)).to.deep.equal(golden.controls);
      });
    }

    it("covers Espressif's base.bin -> new.bin exactly", () => {
      const base = deltaFixture('esp-delta-ota/base.bin');
      const target = deltaFixture('esp-delta-ota/new.bin');
      const controls = bsdiffControls(base, target);
      expect(controls.length).to.be.above(0);
      expect(rebuildFromControls(base, target, controls)).to.deep.equal(new Uint8Array(target));
    });
  });

  it('makes no control for an empty target, and one extra-only control from an empty base', () => {
    expect(bsdiffControls(Uint8Array.of(1, 2, 3), new Uint8Array(0))).to.deep.equal([]);
    expect(bsdiffControls(new Uint8Array(0), Uint8Array.of(1, 2, 3))).to.deep.equal([
      { diffLength: 0, extraLength: 3, seek: 0 },
    ]);
  });

  it('describes an unchanged file as one diff over all of it', () => {
    // The last seek returns to where the last search found its match (bsdiff's, and detools',
    // last control does): the start here. Not periodic: there the search could end elsewhere.
    const random = prng(7);
    const file = Uint8Array.from({ length: 5000 }, () => Math.floor(random() * 256));
    expect(bsdiffControls(file, file)).to.deep.equal([{ diffLength: 5000, extraLength: 0, seek: -5000 }]);
  });

  describe('passing periodic stretches (runs of one byte among them) in one step', () => {
    it('gives the same controls as comparing byte by byte, on random pairs with runs and periodic stretches', () => {
      fc.assert(
        fc.property(arbitraryDeltaPair(), ({ base, target }) => {
          expect(bsdiffControls(base, target)).to.deep.equal(
            bsdiffControlsWith(base, target, byteByByte(base, target)),
          );
        }),
        { numRuns: 150 },
      );
    });

    it('gives the same controls as comparing byte by byte on the synthetic pairs', function () {
      this.timeout(60_000);
      for (const { name, base, target } of syntheticPairs().filter((pair) => pair.target.length < 100_000)) {
        expect(bsdiffControls(base, target), name).to.deep.equal(
          bsdiffControlsWith(base, target, byteByByte(base, target)),
        );
      }
    });

    it('stays fast where byte by byte is quadratic: a periodic file growing by a few bytes', () => {
      const periodic = (length: number): Uint8Array =>
        Uint8Array.from({ length }, (_, i) => (i % 2 === 0 ? 0x00 : 0xff));
      const base = periodic(200_000);
      const target = periodic(200_006);
      const started = performance.now();
      const controls = bsdiffControls(base, target);
      // Byte by byte, this pair takes minutes (each position compares the rest of the file).
      expect(performance.now() - started).to.be.below(3000);
      expect(rebuildFromControls(base, target, controls)).to.deep.equal(target);
    });

    it('stays fast where byte by byte is quadratic: a file ending in 0xFF padding', () => {
      const code = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 2654435761) >>> 24);
      const base = new Uint8Array(1_020_000).fill(0xff);
      base.set(code);
      const target = new Uint8Array(1_020_100).fill(0xff);
      target.set(code.subarray(0, 10_000));
      target.set(code.subarray(10_000), 10_100);
      const started = performance.now();
      const controls = bsdiffControls(base, target);
      // Byte by byte, this pair takes minutes (each of the padding's positions compares the padding).
      expect(performance.now() - started).to.be.below(3000);
      expect(rebuildFromControls(base, target, controls)).to.deep.equal(target);
    });
  });
});
