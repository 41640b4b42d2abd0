import { expect } from 'chai';
import fc from 'fast-check';
import { DeltaPatchApplier } from '../../../../src/domain/delta/delta-patch-applier.js';
import { makeDeltaPatch } from '../../../../src/domain/delta/delta-patch.js';
import { arbitraryDeltaPair, syntheticPairs } from '../../../support/delta-pairs.js';

const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

/**
 * The patch as esp_delta_ota takes it: streamed in pieces of `piece` bytes through an applier
 * with the device's limits (heatshrink 8/7 only, no data-format section), the header's digest
 * read back, the new bytes concatenated.
 */
function appliedInPieces(base: Uint8Array, patch: Uint8Array, piece: number): Buffer {
  const applier = new DeltaPatchApplier(base);
  const out: Uint8Array[] = [];
  for (let at = 0; at < patch.length; at += piece) out.push(applier.push(patch.subarray(at, at + piece)));
  applier.finish();
  expect(applier.header?.baseImageSha256).to.deep.equal(DIGEST);
  return Buffer.concat(out);
}

describe('makeDeltaPatch: every patch made applies back to exactly its target on the device', () => {
  it('random pairs (random bytes, runs, periodic stretches; inserted, deleted, moved, changed regions), in 1-byte and 1 KiB pieces', () => {
    fc.assert(
      fc.property(arbitraryDeltaPair(), fc.constantFrom(1, 1024), ({ base, target }, piece) => {
        const patch = makeDeltaPatch(base, target, DIGEST);
        expect(appliedInPieces(base, patch, piece)).to.deep.equal(Buffer.from(target));
      }),
      { numRuns: 150 },
    );
  });

  it('real images (when ../shared is there) and built images, changed as releases change them, in 1-byte and 1 KiB pieces', function () {
    this.timeout(120_000);
    for (const { name, base, target } of syntheticPairs()) {
      const patch = makeDeltaPatch(base, target, DIGEST);
      for (const piece of [1, 1024]) {
        expect(
          appliedInPieces(base, patch, piece).equals(Buffer.from(target)),
          `${name}, ${piece}-byte pieces`,
        ).to.equal(true);
      }
    }
  });
});
