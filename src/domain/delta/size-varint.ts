import { DeltaPatchError } from './delta-patch-error.js';
import { GrowableBytes } from './growable-bytes.js';

/*
 * detools' signed size varint: the first byte holds the 6 lowest value bits, 0x40 for a negative
 * value and 0x80 when more bytes follow; each further byte holds the next 7 bits and 0x80 when
 * more follow. The value is the magnitude, so -0 can be written (and reads as 0).
 *
 * Values stay within JavaScript's safe integers; arithmetic rather than bit operations, because
 * sizes and seeks may pass 2^31.
 */

/** A varint never needs more bytes than this for a safe integer (6 + 7 * 7 = 55 bits). */
const MAX_VARINT_BYTES = 8;

export function writeSizeVarint(out: { push(byte: number): void }, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  let magnitude = Math.abs(value);
  let first = magnitude % 0x40;
  if (value < 0) first |= 0x40;
  magnitude = Math.floor(magnitude / 0x40);
  if (magnitude === 0) {
    out.push(first);
    return;
  }
  out.push(first | 0x80);
  while (magnitude >= 0x80) {
    out.push((magnitude % 0x80) | 0x80);
    magnitude = Math.floor(magnitude / 0x80);
  }
  out.push(magnitude);
}

export function encodeSizeVarint(value: number): Uint8Array {
  const out = new GrowableBytes(16);
  writeSizeVarint(out, value);
  return out.toBytes();
}

/**
 * Reads one varint a byte at a time, for a stream that arrives in pieces: `push` returns true
 * once the last byte has come, and `value` then holds it. `reset` starts the next one.
 */
export class SizeVarintReader {
  private magnitude = 0;
  private negative = false;
  private count = 0;
  private scale = 0x40;
  private complete = false;

  push(byte: number): boolean {
    if (this.complete) throw new Error('the varint is already complete; reset it first');
    if (this.count === 0) {
      this.negative = (byte & 0x40) !== 0;
      this.magnitude = byte & 0x3f;
    } else {
      this.magnitude += (byte & 0x7f) * this.scale;
      this.scale *= 0x80;
      if (!Number.isSafeInteger(this.magnitude))
        throw new DeltaPatchError('bad-varint', 'a size or seek is larger than 2^53');
    }
    this.count++;
    if ((byte & 0x80) === 0) {
      this.complete = true;
      return true;
    }
    if (this.count === MAX_VARINT_BYTES) throw new DeltaPatchError('bad-varint', 'a size or seek runs over 8 bytes');
    return false;
  }

  get value(): number {
    if (!this.complete) throw new Error('the varint is not complete');
    return this.negative && this.magnitude !== 0 ? -this.magnitude : this.magnitude;
  }

  /** True between the first byte and the last: a stream that ends here was cut in a varint. */
  get started(): boolean {
    return this.count > 0 && !this.complete;
  }

  reset(): void {
    this.magnitude = 0;
    this.negative = false;
    this.count = 0;
    this.scale = 0x40;
    this.complete = false;
  }
}
