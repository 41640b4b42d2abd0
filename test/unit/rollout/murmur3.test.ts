import { expect } from 'chai';
import fc from 'fast-check';
import { murmurHash3x86, utf8Bytes } from '../../../src/domain/rollout/murmur3.js';

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (value: string) => Uint8Array.from(Buffer.from(value, 'utf8'));

describe('MurmurHash3 x86_32', () => {
  // The published vectors (SMHasher's reference, as collected in
  // https://stackoverflow.com/a/31929528): every tail length, the seed's handling, UTF-8 input.
  const vectors: readonly [Uint8Array, number, number][] = [
    [bytes(), 0, 0],
    [bytes(), 1, 0x514e28b7],
    [bytes(), 0xffffffff, 0x81f16f39],
    [bytes(0xff, 0xff, 0xff, 0xff), 0, 0x76293b50],
    [bytes(0x21, 0x43, 0x65, 0x87), 0, 0xf55b516b],
    [bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
    [bytes(0x21, 0x43, 0x65), 0, 0x7e4a8634],
    [bytes(0x21, 0x43), 0, 0xa0f7b07a],
    [bytes(0x21), 0, 0x72661cf4],
    [bytes(0, 0, 0, 0), 0, 0x2362f9de],
    [bytes(0, 0, 0), 0, 0x85f0b427],
    [bytes(0, 0), 0, 0x30f4c306],
    [bytes(0), 0, 0x514e28b7],
    [text('aaaa'), 0x9747b28c, 0x5a97808a],
    [text('aaa'), 0x9747b28c, 0x283e0130],
    [text('aa'), 0x9747b28c, 0x5d211726],
    [text('a'), 0x9747b28c, 0x7fa09ea6],
    [text('abcd'), 0x9747b28c, 0xf0478627],
    [text('abc'), 0x9747b28c, 0xc84a62dd],
    [text('ab'), 0x9747b28c, 0x74875592],
    [text('Hello, world!'), 0x9747b28c, 0x24884cba],
    [text('ππππππππ'), 0x9747b28c, 0xd58063c1],
    [text('a'.repeat(256)), 0x9747b28c, 0x37405bdc],
    [text('abc'), 0, 0xb3dd93fa],
    [text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), 0, 0xee925b90],
    [text('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
  ];

  for (const [input, seed, expected] of vectors) {
    const hex = Buffer.from(input.subarray(0, 8)).toString('hex') + (input.length > 8 ? '...' : '');
    it(`hashes ${input.length} bytes ${hex} with seed ${seed.toString(16)} to ${expected.toString(16)}`, () => {
      expect(murmurHash3x86(input, seed)).to.equal(expected);
    });
  }

  it('returns an unsigned 32-bit integer for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (input, seed) => {
        const hash = murmurHash3x86(input, seed);
        return Number.isInteger(hash) && hash >= 0 && hash <= 0xffffffff;
      }),
    );
  });
});

describe('UTF-8 encoding (for the hash)', () => {
  it('encodes one- to four-byte characters', () => {
    expect([...utf8Bytes('a')]).to.deep.equal([0x61]);
    expect([...utf8Bytes('é')]).to.deep.equal([0xc3, 0xa9]);
    expect([...utf8Bytes('π')]).to.deep.equal([0xcf, 0x80]);
    expect([...utf8Bytes('€')]).to.deep.equal([0xe2, 0x82, 0xac]);
    expect([...utf8Bytes('😀')]).to.deep.equal([0xf0, 0x9f, 0x98, 0x80]);
  });

  it('matches the runtime encoder for any string, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (raw, grapheme) => {
        for (const value of [raw, grapheme, `${raw}\ud800${grapheme}`]) {
          expect([...utf8Bytes(value)]).to.deep.equal([...encoder.encode(value)]);
        }
      }),
    );
  });
});
