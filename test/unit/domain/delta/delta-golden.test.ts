import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { DeltaPatchError } from '../../../../src/domain/delta/delta-patch-error.js';
import { applyDeltaPatch } from '../../../../src/domain/delta/delta-patch.js';
import { encodeDeltaPatchHeader } from '../../../../src/domain/delta/delta-patch-header.js';
import {
  SequentialPatchApplier,
  type SequentialPatchApplierOptions,
} from '../../../../src/domain/delta/sequential-patch-applier.js';
import { GOLDEN_PAIRS, deltaFixture, skipWithoutDeltaFixtures } from '../../../support/delta-fixtures.js';

/** Applies a bare detools patch (no 64-byte header) fed in pieces of `piece` bytes. */
function applyInPieces(
  base: Uint8Array,
  patch: Uint8Array,
  piece: number,
  options?: SequentialPatchApplierOptions,
): Buffer {
  const applier = new SequentialPatchApplier(base, options);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < patch.length; at += piece) parts.push(applier.push(patch.subarray(at, at + piece)));
  applier.finish();
  return Buffer.concat(parts);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('delta golden vectors (detools, esp_delta_ota)', function () {
  before(function () {
    skipWithoutDeltaFixtures(this);
  });

  for (const pair of GOLDEN_PAIRS) {
    it(`${pair.name}: the heatshrink 8/7 patch applies to exactly the new file, whole and in 1-byte and 1 KiB pieces`, () => {
      const base = deltaFixture(pair.old);
      const expected = deltaFixture(pair.new);
      const patch = deltaFixture(pair.heatshrink);
      expect(patch[0], 'sequential, heatshrink').to.equal(0x04);
      for (const piece of [patch.length, 1, 1024])
        expect(applyInPieces(base, patch, piece).equals(expected), `in ${piece}-byte pieces`).to.equal(true);
      const withHeader = Buffer.concat([encodeDeltaPatchHeader(new Uint8Array(32)), patch]);
      expect(Buffer.from(applyDeltaPatch(base, withHeader)).equals(expected), 'applyDeltaPatch').to.equal(true);
    });

    it(`${pair.name}: the uncompressed patch applies when uncompressed patches are allowed, and is refused otherwise`, () => {
      const base = deltaFixture(pair.old);
      const patch = deltaFixture(pair.none);
      expect(applyInPieces(base, patch, 1024, { allowUncompressed: true }).equals(deltaFixture(pair.new))).to.equal(
        true,
      );
      expect(() => applyInPieces(base, patch, 1024))
        .to.throw(DeltaPatchError)
        .with.property('fault', 'unsupported-compression');
    });
  }

  it('detools foo: the heatshrink 10/5 patch is refused with unsupported-window, as the device refuses it', () => {
    const patch = deltaFixture('detools-foo/heatshrink-10-5.patch');
    for (const piece of [patch.length, 1])
      expect(() => applyInPieces(deltaFixture('detools-foo/old'), patch, piece))
        .to.throw(DeltaPatchError)
        .with.property('fault', 'unsupported-window');
  });

  it("Espressif's patch.bin carries no 64-byte header (it starts with the detools type byte) and applies to base.bin giving new.bin, also behind fuota's header", () => {
    const base = deltaFixture('esp-delta-ota/base.bin');
    const expected = deltaFixture('esp-delta-ota/new.bin');
    const patch = deltaFixture('esp-delta-ota/patch.bin');
    expect(patch[0]).to.equal(0x04);
    expect(patch.readUInt32LE(0)).to.not.equal(0xfccdde10);
    for (const piece of [patch.length, 1, 1024])
      expect(applyInPieces(base, patch, piece).equals(expected), `in ${piece}-byte pieces`).to.equal(true);
    const withHeader = Buffer.concat([encodeDeltaPatchHeader(createHash('sha256').update(base).digest()), patch]);
    expect(Buffer.from(applyDeltaPatch(base, withHeader)).equals(expected)).to.equal(true);
  });

  it("Espressif's bad_patch.bin applies to base.bin without an error, and only the result's SHA-256 shows it is not new.bin", () => {
    const base = deltaFixture('esp-delta-ota/base.bin');
    const expected = deltaFixture('esp-delta-ota/new.bin');
    const result = applyInPieces(base, deltaFixture('esp-delta-ota/bad_patch.bin'), 1);
    expect(result.length).to.be.greaterThan(0);
    expect(sha256(result)).to.not.equal(sha256(expected));
  });
});
