import { expect } from 'chai';
import fc from 'fast-check';
import { DeltaPatchError } from '../../../../src/domain/delta/delta-patch-error.js';
import { SizeVarintReader, encodeSizeVarint } from '../../../../src/domain/delta/size-varint.js';

function readWhole(bytes: Uint8Array): { value: number; used: number } {
  const reader = new SizeVarintReader();
  for (let at = 0; at < bytes.length; at++) if (reader.push(bytes[at]!)) return { value: reader.value, used: at + 1 };
  throw new Error('the varint did not end');
}

describe('size varint (detools)', () => {
  it('writes the layout detools does: 6 bits and the sign in the first byte, then 7 bits a byte', () => {
    expect(Array.from(encodeSizeVarint(0))).to.deep.equal([0x00]);
    expect(Array.from(encodeSizeVarint(63))).to.deep.equal([0x3f]);
    expect(Array.from(encodeSizeVarint(-1))).to.deep.equal([0x41]);
    expect(Array.from(encodeSizeVarint(64))).to.deep.equal([0x80, 0x01]);
    // The size of detools' foo/new (2780 bytes), as the golden patches carry it.
    expect(Array.from(encodeSizeVarint(2780))).to.deep.equal([0x9c, 0x2b]);
    expect(Array.from(encodeSizeVarint(-2780))).to.deep.equal([0xdc, 0x2b]);
  });

  it('reads back every safe integer it writes, negatives and values past 2^32 included, one byte at a time', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -64, max: 64 })),
        fc.uint8Array({ maxLength: 4 }),
        (value, after) => {
          const bytes = encodeSizeVarint(value);
          const { value: read, used } = readWhole(Uint8Array.from([...bytes, ...after]));
          expect(read).to.equal(value);
          expect(used).to.equal(bytes.length);
        },
      ),
    );
  });

  it('reads -0 as 0, and after reset reads the next varint', () => {
    const reader = new SizeVarintReader();
    expect(reader.push(0x40)).to.equal(true);
    expect(Object.is(reader.value, 0)).to.equal(true);
    reader.reset();
    expect(reader.push(0x81)).to.equal(false);
    expect(reader.started).to.equal(true);
    expect(reader.push(0x02)).to.equal(true);
    expect(reader.value).to.equal(1 + 2 * 64);
  });

  it('refuses a varint longer than 8 bytes or larger than 2^53 with bad-varint', () => {
    const endless = new SizeVarintReader();
    expect(() => {
      for (let k = 0; k < 8; k++) endless.push(0x80);
    })
      .to.throw(DeltaPatchError)
      .with.property('fault', 'bad-varint');
    const huge = new SizeVarintReader();
    expect(() => {
      for (const byte of [0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]) huge.push(byte);
    })
      .to.throw(DeltaPatchError)
      .with.property('fault', 'bad-varint');
  });

  it('refuses to write what is not a safe integer', () => {
    expect(() => encodeSizeVarint(2 ** 53)).to.throw(RangeError);
    expect(() => encodeSizeVarint(1.5)).to.throw(RangeError);
  });
});
