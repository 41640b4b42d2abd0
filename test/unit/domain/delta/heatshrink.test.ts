import { expect } from 'chai';
import fc from 'fast-check';
import { DeltaPatchError } from '../../../../src/domain/delta/delta-patch-error.js';
import { HeatshrinkDecoder } from '../../../../src/domain/delta/heatshrink-decoder.js';
import { heatshrinkEncode } from '../../../../src/domain/delta/heatshrink-encoder.js';
import { findLongestMatches } from '../../../../src/domain/delta/longest-matches.js';

/** Decodes `stream` fed in pieces of the given sizes (cycled), as a device receiving it would. */
function decodeInPieces(
  stream: Uint8Array,
  pieceSizes: readonly number[],
): { output: Uint8Array; pendingBits: number } {
  const decoder = new HeatshrinkDecoder();
  const parts: number[] = [];
  for (let at = 0, k = 0; at < stream.length; k++) {
    const size = pieceSizes[k % pieceSizes.length]!;
    parts.push(...decoder.push(stream.subarray(at, at + size)));
    at += size;
  }
  return { output: Uint8Array.from(parts), pendingBits: decoder.pendingBits };
}

/** The longest copy at `position` by trying every distance: the reference the fast search must equal. */
function bruteLongestMatch(data: Uint8Array, position: number): number {
  const byteAt = (index: number): number => (index < 0 ? 0 : data[index]!);
  const limit = Math.min(128, data.length - position);
  let best = 0;
  for (let distance = 1; distance <= 256; distance++) {
    let matched = 0;
    while (matched < limit && byteAt(position - distance + matched) === data[position + matched]) matched++;
    best = Math.max(best, matched);
  }
  return best;
}

/** Inputs that look like a patch stream: runs of one byte, repeats of earlier pieces, noise. */
const repetitiveBytes = fc
  .array(
    fc.oneof(
      fc.record({ run: fc.integer({ min: 0, max: 3 }), length: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ back: fc.integer({ min: 1, max: 400 }), length: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ noise: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => {
    const bytes: number[] = [];
    for (const piece of pieces) {
      if ('run' in piece) for (let k = 0; k < piece.length; k++) bytes.push(piece.run);
      else if ('back' in piece)
        for (let k = 0; k < piece.length; k++) bytes.push(bytes[bytes.length - piece.back] ?? 0);
      else bytes.push(...piece.noise);
    }
    return Uint8Array.from(bytes);
  });

describe('heatshrink 8/7', () => {
  it('decodes literals and copies, a copy reaching before the start reading the zero-filled window', () => {
    // 0x44; literal 'A' (1 01000001); copy distance 3 count 4 (0 00000010 0000011); 7 bits of padding.
    // The copy reads two zeros from before the start, then 'A', then its own first byte.
    const stream = Uint8Array.from([0x44, 0b10100000, 0b10000000, 0b10000001, 0b10000000]);
    const { output, pendingBits } = decodeInPieces(stream, [1]);
    expect(Array.from(output)).to.deep.equal([0x41, 0, 0, 0x41, 0]);
    expect(pendingBits).to.be.lessThan(8);
  });

  it('refuses a stream made for another window or lookahead at its first byte with unsupported-window', () => {
    for (const parameters of [0x62 /* 10/5 */, 0x43, 0x54, 0x00])
      expect(() => new HeatshrinkDecoder().push(Uint8Array.from([parameters, 0xff])))
        .to.throw(DeltaPatchError)
        .with.property('fault', 'unsupported-window');
  });

  it('writes the 8/7 parameter byte first', () => {
    expect(heatshrinkEncode(new Uint8Array(0))[0]).to.equal(0x44);
    expect(heatshrinkEncode(new Uint8Array(0)).length).to.equal(1);
  });

  it('decodes what it encodes, random bytes, fed in any pieces', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 1, max: 1100 }), { minLength: 1, maxLength: 5 }),
        (data, pieces) => {
          const { output, pendingBits } = decodeInPieces(heatshrinkEncode(data), pieces);
          expect(Buffer.from(output).equals(Buffer.from(data))).to.equal(true);
          expect(pendingBits).to.be.lessThan(8);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes what it encodes, highly repetitive bytes, in 1-byte and 1 KiB pieces, and never grows them by more than 1/8', () => {
    fc.assert(
      fc.property(repetitiveBytes, (data) => {
        const stream = heatshrinkEncode(data);
        for (const piece of [1, 1024])
          expect(Buffer.from(decodeInPieces(stream, [piece]).output).equals(Buffer.from(data))).to.equal(true);
        expect(stream.length).to.be.at.most(2 + Math.ceil((data.length * 9) / 8));
      }),
      { numRuns: 100 },
    );
  });

  it('finds the longest match at every position, exactly as trying every distance does', () => {
    fc.assert(
      fc.property(fc.oneof(repetitiveBytes, fc.uint8Array({ max: 2, maxLength: 600 })), (data) => {
        const { length, distance } = findLongestMatches(data);
        for (let position = 0; position < data.length; position++) {
          const expected = bruteLongestMatch(data, position);
          const found = length[position]!;
          if (expected >= 2) expect(found, `length at ${position}`).to.equal(expected);
          else expect(found, `length at ${position}`).to.be.below(2);
          if (found >= 2)
            for (let k = 0; k < found; k++) {
              const from = position - distance[position]! + k;
              expect(from < 0 ? 0 : data[from], `byte ${k} of the copy at ${position}`).to.equal(data[position + k]);
            }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('encodes a long run of one byte in 16 bits per 128 bytes', () => {
    const zeros = new Uint8Array(128 * 100);
    // The zero-filled window lets the very first copy be of zeros: 100 copies of 128.
    expect(heatshrinkEncode(zeros).length).to.equal(1 + 200);
  });
});
