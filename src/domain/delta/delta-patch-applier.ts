import { DELTA_PATCH_HEADER_SIZE, type DeltaPatchHeader, readDeltaPatchHeader } from './delta-patch-header.js';
import { SequentialPatchApplier, type SequentialPatchApplierOptions } from './sequential-patch-applier.js';

/**
 * A whole delta patch (64-byte header, then the sequential patch) applied as it arrives, the way
 * the device takes it from the network: the header is read once its 64 bytes are in (`header`
 * then says which base the patch was made for; checking it against the running image is the
 * caller's job, as on the device), and the rest goes to a SequentialPatchApplier.
 */
export class DeltaPatchApplier {
  private readonly headerBytes = new Uint8Array(DELTA_PATCH_HEADER_SIZE);
  private headerFilled = 0;
  private readHeader: DeltaPatchHeader | undefined;
  private readonly body: SequentialPatchApplier;

  constructor(base: Uint8Array, options?: SequentialPatchApplierOptions) {
    this.body = new SequentialPatchApplier(base, options);
  }

  /** The header, once its 64 bytes have come. */
  get header(): DeltaPatchHeader | undefined {
    return this.readHeader;
  }

  get targetSize(): number | undefined {
    return this.body.targetSize;
  }

  /** The new file's bytes that `chunk` completed (a fresh copy). Throws DeltaPatchError. */
  push(chunk: Uint8Array): Uint8Array {
    let rest = chunk;
    if (this.readHeader === undefined) {
      const taken = Math.min(DELTA_PATCH_HEADER_SIZE - this.headerFilled, rest.length);
      this.headerBytes.set(rest.subarray(0, taken), this.headerFilled);
      this.headerFilled += taken;
      rest = rest.subarray(taken);
      if (this.headerFilled < DELTA_PATCH_HEADER_SIZE) return new Uint8Array(0);
      this.readHeader = readDeltaPatchHeader(this.headerBytes);
    }
    return this.body.push(rest);
  }

  /** Throws DeltaPatchError unless the patch was whole. */
  finish(): void {
    if (this.readHeader === undefined) readDeltaPatchHeader(this.headerBytes.subarray(0, this.headerFilled));
    this.body.finish();
  }
}
