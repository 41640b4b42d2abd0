import { DeltaPatchError } from './delta-patch-error.js';
import { GrowableBytes } from './growable-bytes.js';
import {
  HEATSHRINK_LOOKAHEAD_BITS,
  HEATSHRINK_PARAMETER_BYTE,
  HEATSHRINK_WINDOW_BITS,
  HEATSHRINK_WINDOW_SIZE,
  describeHeatshrinkParameters,
} from './heatshrink-parameters.js';

const WINDOW_MASK = HEATSHRINK_WINDOW_SIZE - 1;
const LOOKAHEAD_MASK = (1 << HEATSHRINK_LOOKAHEAD_BITS) - 1;
const INDEX_MASK = (1 << HEATSHRINK_WINDOW_BITS) - 1;
const LITERAL_ITEM_BITS = 1 + 8;
const COPY_ITEM_BITS = 1 + HEATSHRINK_WINDOW_BITS + HEATSHRINK_LOOKAHEAD_BITS;

/**
 * Decodes a heatshrink stream (parameter byte first) as it arrives, in pieces of any size, the way
 * the device's decoder does: its window starts zero-filled, so a copy reaching before the first
 * output byte gives zeros (detools' own patches rely on it). A stream made for another window or
 * lookahead is refused at its first byte.
 */
export class HeatshrinkDecoder {
  private readonly window = new Uint8Array(HEATSHRINK_WINDOW_SIZE);
  private head = 0;
  private parametersRead = false;
  /** Bits received and not yet decoded, the oldest highest; never more than 23 of them. */
  private bits = 0;
  private bitCount = 0;
  private readonly output = new GrowableBytes(4096);

  /** Decodes `chunk`; returns the output it completed, valid until the next call. */
  push(chunk: Uint8Array): Uint8Array {
    const output = this.output;
    output.clear();
    let at = 0;
    if (!this.parametersRead && chunk.length > 0) {
      const parameters = chunk[0]!;
      if (parameters !== HEATSHRINK_PARAMETER_BYTE)
        throw new DeltaPatchError(
          'unsupported-window',
          `heatshrink ${describeHeatshrinkParameters(parameters)}; the device decodes only ${describeHeatshrinkParameters(HEATSHRINK_PARAMETER_BYTE)}`,
        );
      this.parametersRead = true;
      at = 1;
    }
    const window = this.window;
    let head = this.head;
    let bits = this.bits;
    let bitCount = this.bitCount;
    for (; at < chunk.length; at++) {
      bits = ((bits << 8) | chunk[at]!) & 0xffffff;
      bitCount += 8;
      while (bitCount > 0) {
        if (((bits >>> (bitCount - 1)) & 1) === 1) {
          if (bitCount < LITERAL_ITEM_BITS) break;
          bitCount -= LITERAL_ITEM_BITS;
          const byte = (bits >>> bitCount) & 0xff;
          window[head] = byte;
          head = (head + 1) & WINDOW_MASK;
          output.push(byte);
        } else {
          if (bitCount < COPY_ITEM_BITS) break;
          const distance = ((bits >>> (bitCount - 1 - HEATSHRINK_WINDOW_BITS)) & INDEX_MASK) + 1;
          bitCount -= COPY_ITEM_BITS;
          const count = ((bits >>> bitCount) & LOOKAHEAD_MASK) + 1;
          output.reserve(count);
          // Byte by byte: a copy may overlap the bytes it is writing (a run).
          for (let k = 0; k < count; k++) {
            const byte = window[(head - distance) & WINDOW_MASK]!;
            window[head] = byte;
            head = (head + 1) & WINDOW_MASK;
            output.pushUnchecked(byte);
          }
        }
      }
    }
    this.head = head;
    this.bits = bits;
    this.bitCount = bitCount;
    return output.view();
  }

  /**
   * Bits left over that make no whole item. The encoder pads the last byte with fewer than 8; a
   * whole byte or more left over is a cut item or bytes that do not belong.
   */
  get pendingBits(): number {
    return this.bitCount;
  }

  get started(): boolean {
    return this.parametersRead;
  }
}
