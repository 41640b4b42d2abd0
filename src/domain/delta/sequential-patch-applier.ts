import { DeltaPatchError } from './delta-patch-error.js';
import { GrowableBytes } from './growable-bytes.js';
import { HeatshrinkDecoder } from './heatshrink-decoder.js';
import {
  COMPRESSION_HEATSHRINK,
  COMPRESSION_NAMES,
  COMPRESSION_NONE,
  PATCH_TYPE_NAMES,
  SEQUENTIAL_PATCH_TYPE,
} from './sequential-patch-format.js';
import { SizeVarintReader } from './size-varint.js';

export interface SequentialPatchApplierOptions {
  /**
   * Also read detools' uncompressed ("none") sequential patches, which fuota never sends to a
   * device; for the golden vectors. Default: refused with 'unsupported-compression'.
   */
  readonly allowUncompressed?: boolean;
  /** The largest new file accepted, so a corrupted size cannot ask for any memory. */
  readonly maxTargetSize?: number;
}

/** 16 MiB: the largest flash an ESP32 has, so no app image is larger. */
export const DEFAULT_MAX_TARGET_SIZE = 16 * 1024 * 1024;

type BodyState = 'data-format' | 'diff-length' | 'diff' | 'extra-length' | 'extra' | 'seek' | 'done';

/**
 * Applies a detools sequential patch to `base` as the patch arrives, in pieces of any size, with
 * the device's limits: sequential only, heatshrink 8/7 only, no data-format section, diff bytes
 * read only inside the base, exactly the declared number of bytes written and nothing after the
 * last step. Each `push` returns the new file's bytes that its piece completed; `finish` says
 * whether the patch was whole. Every refusal is a DeltaPatchError, and no byte is ever produced
 * past the declared size.
 *
 * Like the device it does not know which base the patch was made for: a patch for another base
 * applies without complaint and gives a wrong file, which only the result's digest can tell.
 */
export class SequentialPatchApplier {
  private readonly allowUncompressed: boolean;
  private readonly maxTargetSize: number;
  private readonly varint = new SizeVarintReader();
  private readonly output = new GrowableBytes(4096);
  private decoder: HeatshrinkDecoder | undefined;
  private typeRead = false;
  private declaredSize = -1;
  private state: BodyState = 'data-format';
  private remaining = 0;
  private basePosition = 0;
  private producedBytes = 0;
  private failure: DeltaPatchError | undefined;

  constructor(
    private readonly base: Uint8Array,
    options: SequentialPatchApplierOptions = {},
  ) {
    this.allowUncompressed = options.allowUncompressed ?? false;
    this.maxTargetSize = options.maxTargetSize ?? DEFAULT_MAX_TARGET_SIZE;
  }

  /** The new file's size as the patch declares it, once read. */
  get targetSize(): number | undefined {
    return this.declaredSize >= 0 ? this.declaredSize : undefined;
  }

  get written(): number {
    return this.producedBytes;
  }

  /** The new file's bytes that `chunk` completed (a fresh copy). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.failure) throw this.failure;
    try {
      this.output.clear();
      let at = 0;
      while (this.declaredSize < 0 && at < chunk.length) this.readPrologue(chunk[at++]!);
      if (at < chunk.length) {
        const rest = chunk.subarray(at);
        this.readBody(this.decoder ? this.decoder.push(rest) : rest);
      }
      return this.output.toBytes();
    } catch (error) {
      if (error instanceof DeltaPatchError) this.failure = error;
      throw error;
    }
  }

  /** Throws unless the patch was whole: every step read, and nothing but padding after them. */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'done')
      throw new DeltaPatchError(
        'truncated',
        this.declaredSize < 0
          ? 'the patch ends before the new file size'
          : `the patch ends after ${this.producedBytes} of the new file's ${this.declaredSize} bytes`,
      );
    if (this.decoder && this.decoder.pendingBits >= 8)
      throw new DeltaPatchError('trailing-bytes', 'compressed bits after the last step');
  }

  /** The type byte, then the new file's size: the part of the patch outside the stream. */
  private readPrologue(byte: number): void {
    if (!this.typeRead) {
      this.typeRead = true;
      const type = byte >> 4;
      const compression = byte & 0x0f;
      if (type !== SEQUENTIAL_PATCH_TYPE)
        throw new DeltaPatchError(
          'unsupported-patch-type',
          `patch type ${PATCH_TYPE_NAMES[type] ?? type}; the device applies only sequential patches`,
        );
      if (compression === COMPRESSION_HEATSHRINK) this.decoder = new HeatshrinkDecoder();
      else if (!(compression === COMPRESSION_NONE && this.allowUncompressed))
        throw new DeltaPatchError(
          'unsupported-compression',
          `compression ${COMPRESSION_NAMES[compression] ?? compression}; the device decodes only heatshrink`,
        );
      return;
    }
    if (!this.varint.push(byte)) return;
    const size = this.varint.value;
    this.varint.reset();
    if (size < 0) throw new DeltaPatchError('bad-length', `a negative new file size (${size})`);
    if (size > this.maxTargetSize)
      throw new DeltaPatchError('too-large', `a new file of ${size} bytes; at most ${this.maxTargetSize} accepted`);
    this.declaredSize = size;
  }

  private readBody(bytes: Uint8Array): void {
    const output = this.output;
    const base = this.base;
    for (let at = 0; at < bytes.length;) {
      switch (this.state) {
        case 'diff': {
          const count = Math.min(this.remaining, bytes.length - at);
          output.reserve(count);
          let from = this.basePosition;
          for (let k = 0; k < count; k++) output.pushUnchecked((bytes[at + k]! + base[from++]!) & 0xff);
          this.basePosition = from;
          this.advance(count, 'extra-length');
          at += count;
          break;
        }
        case 'extra': {
          const count = Math.min(this.remaining, bytes.length - at);
          output.pushBytes(bytes.subarray(at, at + count));
          this.advance(count, 'seek');
          at += count;
          break;
        }
        case 'done':
          throw new DeltaPatchError('trailing-bytes', `bytes after the last step of a ${this.declaredSize}-byte file`);
        default:
          if (this.varint.push(bytes[at++]!)) {
            const value = this.varint.value;
            this.varint.reset();
            this.step(value);
          }
      }
    }
  }

  private advance(count: number, next: BodyState): void {
    this.remaining -= count;
    this.producedBytes += count;
    if (this.remaining === 0) this.state = next;
  }

  /** One varint of the stream read: what it means depends on where the stream is. */
  private step(value: number): void {
    switch (this.state) {
      case 'data-format':
        if (value !== 0)
          throw new DeltaPatchError(
            'data-format-section',
            `a ${value}-byte data-format section; the device takes none`,
          );
        this.state = this.declaredSize === 0 ? 'done' : 'diff-length';
        return;
      case 'diff-length':
        this.startRun(value, 'diff', 'extra-length');
        if (value > 0 && (this.basePosition < 0 || this.basePosition + value > this.base.length))
          throw new DeltaPatchError(
            'diff-outside-base',
            `${value} diff bytes from base offset ${this.basePosition}, in a ${this.base.length}-byte base`,
          );
        return;
      case 'extra-length':
        this.startRun(value, 'extra', 'seek');
        return;
      case 'seek':
        this.basePosition += value;
        this.state = this.producedBytes === this.declaredSize ? 'done' : 'diff-length';
        return;
      default:
        throw new Error(`no varint is read in state ${this.state}`);
    }
  }

  private startRun(length: number, run: BodyState, afterEmpty: BodyState): void {
    if (length < 0) throw new DeltaPatchError('bad-length', `a negative ${run} length (${length})`);
    if (this.producedBytes + length > this.declaredSize)
      throw new DeltaPatchError(
        'overrun',
        `${length} ${run} bytes after ${this.producedBytes} would pass the declared ${this.declaredSize}`,
      );
    this.remaining = length;
    this.state = length > 0 ? run : afterEmpty;
  }
}
