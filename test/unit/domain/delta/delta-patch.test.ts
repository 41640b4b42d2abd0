import { expect } from 'chai';
import fc from 'fast-check';
import type { BsdiffControl } from '../../../../src/domain/delta/bsdiff-control.js';
import { DeltaPatchApplier } from '../../../../src/domain/delta/delta-patch-applier.js';
import { DeltaPatchError } from '../../../../src/domain/delta/delta-patch-error.js';
import {
  DELTA_PATCH_HEADER_SIZE,
  applyDeltaPatch,
  encodeDeltaPatch,
  readDeltaPatchHeader,
} from '../../../../src/domain/delta/delta-patch.js';
import { encodeDeltaPatchHeader } from '../../../../src/domain/delta/delta-patch-header.js';
import { heatshrinkEncode } from '../../../../src/domain/delta/heatshrink-encoder.js';
import { SequentialPatchApplier } from '../../../../src/domain/delta/sequential-patch-applier.js';
import { encodeSizeVarint } from '../../../../src/domain/delta/size-varint.js';
import {
  GOLDEN_PAIRS,
  deltaFixture,
  readNonePatch,
  skipWithoutDeltaFixtures,
} from '../../../support/delta-fixtures.js';

const DIGEST = Uint8Array.from({ length: 32 }, (_, k) => k * 7);
const DETOOLS_MICROPYTHON_HEATSHRINK_SIZE = 96_957;

/** A header and a heatshrink 8/7 sequential patch around a stream written by hand, for the faults. */
function handMadePatch(targetSize: number, stream: readonly (number | Uint8Array)[], typeByte = 0x04): Uint8Array {
  const body = Buffer.concat(stream.map((part) => (typeof part === 'number' ? encodeSizeVarint(part) : part)));
  return Buffer.concat([
    encodeDeltaPatchHeader(DIGEST),
    Uint8Array.of(typeByte),
    encodeSizeVarint(targetSize),
    heatshrinkEncode(body),
  ]);
}

const faultOf = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    if (error instanceof DeltaPatchError) return error.fault;
    throw error;
  }
  return 'none';
};

/** A base and a target made from it by bsdiff-shaped steps (diff from the base, extra, seek), with those steps. */
const patchCase = fc
  .record({
    base: fc.uint8Array({ minLength: 1, maxLength: 2000 }),
    steps: fc.array(
      fc.record({
        at: fc.nat(),
        diffLength: fc.nat({ max: 300 }),
        changes: fc.array(fc.nat({ max: 299 }), { maxLength: 5 }),
        extra: fc.uint8Array({ maxLength: 100 }),
      }),
      { maxLength: 12 },
    ),
  })
  .map(({ base, steps }) => {
    const target: number[] = [];
    const controls: BsdiffControl[] = [];
    let basePosition = 0;
    for (const step of steps) {
      const from = step.at % base.length;
      const diffLength = Math.min(step.diffLength, base.length - from);
      if (controls.length > 0) {
        const previous = controls.pop()!;
        controls.push({ ...previous, seek: from - basePosition });
      } else if (from !== 0) controls.push({ diffLength: 0, extraLength: 0, seek: from });
      const diff = Array.from(base.subarray(from, from + diffLength));
      for (const change of step.changes) if (change < diff.length) diff[change] = (diff[change]! + 1) & 0xff;
      target.push(...diff, ...step.extra);
      controls.push({ diffLength, extraLength: step.extra.length, seek: 0 });
      basePosition = from + diffLength;
    }
    return { base, target: Uint8Array.from(target), controls };
  });

describe('delta patch (edo1-hs8-7): header, writer and applier', () => {
  describe('with the golden controls', function () {
    before(function () {
      skipWithoutDeltaFixtures(this);
    });

    for (const pair of GOLDEN_PAIRS)
      it(`${pair.name}: the patch written from detools' own bsdiff steps applies back exactly, also streamed in 1-byte pieces with its header`, () => {
        const base = deltaFixture(pair.old);
        const target = deltaFixture(pair.new);
        const { controls } = readNonePatch(deltaFixture(pair.none));
        const patch = encodeDeltaPatch(base, target, controls, DIGEST);
        expect(Buffer.from(applyDeltaPatch(base, patch)).equals(target)).to.equal(true);
        const applier = new DeltaPatchApplier(base);
        const parts: Uint8Array[] = [];
        for (let at = 0; at < patch.length; at++) {
          parts.push(applier.push(patch.subarray(at, at + 1)));
          expect(applier.header === undefined, `header read after ${at + 1} bytes`).to.equal(at + 1 < 64);
        }
        applier.finish();
        expect(Array.from(applier.header!.baseImageSha256)).to.deep.equal(Array.from(DIGEST));
        expect(Buffer.concat(parts).equals(target)).to.equal(true);
      });

    it(`detools micropython: the heatshrink stream is within 5% of detools' ${DETOOLS_MICROPYTHON_HEATSHRINK_SIZE} bytes (smaller is better)`, () => {
      const pair = GOLDEN_PAIRS[1];
      const { controls } = readNonePatch(deltaFixture(pair.none));
      const patch = encodeDeltaPatch(deltaFixture(pair.old), deltaFixture(pair.new), controls, DIGEST);
      const size = patch.length - DELTA_PATCH_HEADER_SIZE;
      console.log(
        `      (micropython patch without the header: ${size} bytes; detools: ${DETOOLS_MICROPYTHON_HEATSHRINK_SIZE})`,
      );
      expect(size).to.be.at.most(DETOOLS_MICROPYTHON_HEATSHRINK_SIZE * 1.05);
    });
  });

  describe('header', () => {
    it('is the magic 0xfccdde10 little-endian, the base image digest and 28 zero bytes', () => {
      const header = encodeDeltaPatchHeader(DIGEST);
      expect(header.length).to.equal(DELTA_PATCH_HEADER_SIZE);
      expect(Array.from(header.subarray(0, 4))).to.deep.equal([0x10, 0xde, 0xcd, 0xfc]);
      expect(Array.from(header.subarray(4, 36))).to.deep.equal(Array.from(DIGEST));
      expect(header.subarray(36).every((byte) => byte === 0)).to.equal(true);
      expect(
        Array.from(
          readDeltaPatchHeader(encodeDeltaPatch(new Uint8Array(0), new Uint8Array(0), [], DIGEST)).baseImageSha256,
        ),
      ).to.deep.equal(Array.from(DIGEST));
    });

    it('refuses a short patch (truncated), a wrong magic (bad-magic) and non-zero padding (bad-header)', () => {
      const patch = encodeDeltaPatch(
        new Uint8Array(0),
        Uint8Array.of(1),
        [{ diffLength: 0, extraLength: 1, seek: 0 }],
        DIGEST,
      );
      expect(faultOf(() => readDeltaPatchHeader(patch.subarray(0, 63)))).to.equal('truncated');
      const cut = new DeltaPatchApplier(new Uint8Array(0));
      expect(cut.push(patch.subarray(0, 63)).length).to.equal(0);
      expect(faultOf(() => cut.finish())).to.equal('truncated');
      const wrongMagic = patch.slice();
      wrongMagic[3] = 0xfd;
      expect(faultOf(() => applyDeltaPatch(new Uint8Array(0), wrongMagic))).to.equal('bad-magic');
      const padded = patch.slice();
      padded[63] = 1;
      expect(faultOf(() => readDeltaPatchHeader(padded))).to.equal('bad-header');
    });

    it('does not check the digest against the base: that is the caller’s question, as on the device', () => {
      const base = Uint8Array.of(1, 2, 3);
      const patch = encodeDeltaPatch(
        base,
        Uint8Array.of(1, 2, 4),
        [{ diffLength: 3, extraLength: 0, seek: 0 }],
        DIGEST,
      );
      expect(Array.from(applyDeltaPatch(base, patch))).to.deep.equal([1, 2, 4]);
    });
  });

  describe("the device's limits", () => {
    const base = Uint8Array.from({ length: 100 }, (_, k) => k);

    it('applies a hand-made patch: diff from the base, extra bytes, a seek back', () => {
      const patch = handMadePatch(6, [
        0,
        3,
        Uint8Array.of(0, 0, 1),
        1,
        Uint8Array.of(0xee),
        -3,
        2,
        Uint8Array.of(0, 0),
        0,
        0,
      ]);
      expect(Array.from(applyDeltaPatch(base, patch))).to.deep.equal([0, 1, 3, 0xee, 0, 1]);
    });

    it('refuses each violation with its own fault', () => {
      const cases: [string, Uint8Array][] = [
        ['data-format-section', handMadePatch(1, [4, Uint8Array.of(1, 2, 3, 4), 0, 1, Uint8Array.of(9), 0])],
        ['diff-outside-base', handMadePatch(3, [0, 0, 0, 98, 3, Uint8Array.of(0, 0, 0), 0, 0])],
        ['diff-outside-base', handMadePatch(3, [0, 0, 0, -1, 3, Uint8Array.of(0, 0, 0), 0, 0])],
        ['overrun', handMadePatch(2, [0, 3, Uint8Array.of(0, 0, 0), 0, 0])],
        ['overrun', handMadePatch(2, [0, 1, Uint8Array.of(0), 2, Uint8Array.of(0, 0), 0])],
        ['bad-length', handMadePatch(2, [0, -1, 0, 0])],
        ['trailing-bytes', handMadePatch(1, [0, 1, Uint8Array.of(0), 0, 0, 0])],
        ['truncated', handMadePatch(3, [0, 1, Uint8Array.of(0), 0, 0])],
        ['truncated', handMadePatch(1, [0, 1, Uint8Array.of(0), 0])],
        ['unsupported-compression', handMadePatch(1, [0, 0, 1, Uint8Array.of(5), 0], 0x00)],
        ['unsupported-compression', handMadePatch(1, [0, 0, 1, Uint8Array.of(5), 0], 0x01)],
        ['unsupported-patch-type', handMadePatch(1, [0, 0, 1, Uint8Array.of(5), 0], 0x14)],
        ['too-large', handMadePatch(16 * 1024 * 1024 + 1, [0])],
        ['bad-length', handMadePatch(-5, [0])],
      ];
      for (const [fault, patch] of cases)
        expect(
          faultOf(() => applyDeltaPatch(base, patch)),
          fault,
        ).to.equal(fault);
    });

    it('refuses bytes after a whole heatshrink stream, and a patch that ends inside its size', () => {
      const patch = handMadePatch(1, [0, 0, 1, Uint8Array.of(5), 0]);
      expect(faultOf(() => applyDeltaPatch(base, Buffer.concat([patch, Uint8Array.of(0)])))).to.equal('trailing-bytes');
      expect(faultOf(() => applyDeltaPatch(base, patch.subarray(0, DELTA_PATCH_HEADER_SIZE + 2)))).to.equal(
        'truncated',
      );
      expect(faultOf(() => applyDeltaPatch(base, patch.subarray(0, DELTA_PATCH_HEADER_SIZE)))).to.equal('truncated');
    });

    it('keeps refusing after a refusal', () => {
      const applier = new SequentialPatchApplier(base);
      expect(faultOf(() => applier.push(Uint8Array.of(0x24)))).to.equal('unsupported-patch-type');
      expect(faultOf(() => applier.push(Uint8Array.of(0)))).to.equal('unsupported-patch-type');
      expect(faultOf(() => applier.finish())).to.equal('unsupported-patch-type');
    });
  });

  describe('properties', () => {
    it('a patch written from any consistent bsdiff steps applies back exactly, an empty target included', () => {
      fc.assert(
        fc.property(patchCase, ({ base, target, controls }) => {
          const patch = encodeDeltaPatch(base, target, controls, DIGEST);
          expect(Buffer.from(applyDeltaPatch(base, patch)).equals(Buffer.from(target))).to.equal(true);
        }),
        { numRuns: 150 },
      );
    });

    it('a corrupted or cut patch fails only with a DeltaPatchError, and never produces more than its declared size', () => {
      fc.assert(
        fc.property(
          patchCase,
          fc.array(fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 4 }),
          fc.option(fc.nat()),
          fc.integer({ min: 1, max: 64 }),
          ({ base, target, controls }, changes, cut, piece) => {
            const body = encodeDeltaPatch(base, target, controls, DIGEST).slice(DELTA_PATCH_HEADER_SIZE);
            for (const { at, value } of changes) body[at % body.length] = value;
            const corrupted = cut === null ? body : body.subarray(0, cut % (body.length + 1));
            const applier = new SequentialPatchApplier(base);
            let produced = 0;
            try {
              for (let at = 0; at < corrupted.length; at += piece) {
                produced += applier.push(corrupted.subarray(at, at + piece)).length;
                expect(produced).to.be.at.most(applier.targetSize ?? 0);
              }
              applier.finish();
              expect(produced).to.equal(applier.targetSize);
            } catch (error) {
              if (!(error instanceof DeltaPatchError)) throw error;
            }
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});
