import { createHash } from 'node:crypto';
import type { DeltaOffers, DeltaPatchInfo } from '../../src/app/delta/delta-offers.js';
import type { DeltaFormatId } from '../../src/domain/delta/delta-format.js';
import type { UpdateFile } from '../../src/domain/update-file.js';
import type { ByteRange, OpenedBlob } from '../../src/ports/blob-store.port.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * DeltaOffers for the device side's tests: patches given to it whole (real bytes, made by the
 * test), offered exactly as the interface promises (by target file, format and the device's
 * running image digest), opened as blobs. It records what it was asked, and how many blobs are
 * open, so that tests can see every download release its patch.
 */
export class InMemoryDeltaOffers implements DeltaOffers {
  private readonly patches = new Map<string, { readonly info: DeltaPatchInfo; readonly bytes: Buffer }>();
  readonly asked: Array<{ readonly target: string; readonly format: string; readonly baseImageSha256: string }> = [];
  openBlobs = 0;

  /** Stores `patch` (header included) from the file `base` (whose image digest is `baseImageSha256`) to `target`. */
  add(options: {
    readonly base: Uint8Array;
    readonly baseImageSha256: string;
    readonly target: Uint8Array;
    readonly patch: Uint8Array;
    readonly format: DeltaFormatId;
    readonly createdAt?: number;
  }): DeltaPatchInfo {
    const targetSha256 = sha256(options.target);
    const baseSha256 = sha256(options.base);
    const info: DeltaPatchInfo = {
      id: `${targetSha256}.${baseSha256}.${options.format}`,
      format: options.format,
      baseSha256,
      baseImageSha256: options.baseImageSha256,
      targetSha256,
      targetSize: options.target.length,
      size: options.patch.length,
      createdAt: options.createdAt ?? Date.now(),
    };
    this.patches.set(info.id, { info, bytes: Buffer.from(options.patch) });
    return info;
  }

  /** Forgets a patch, as a patch store may. */
  remove(id: string): void {
    this.patches.delete(id);
  }

  offerFor(target: UpdateFile, format: DeltaFormatId, baseImageSha256: string): DeltaPatchInfo | undefined {
    this.asked.push({ target: target.path, format, baseImageSha256 });
    for (const { info } of this.patches.values()) {
      if (info.targetSha256 === target.sha256 && info.format === format && info.baseImageSha256 === baseImageSha256) {
        return info;
      }
    }
    return undefined;
  }

  async open(id: string): Promise<{ readonly patch: DeltaPatchInfo; readonly blob: OpenedBlob } | undefined> {
    const found = this.patches.get(id);
    if (found === undefined) return undefined;
    this.openBlobs += 1;
    return { patch: found.info, blob: this.blobOf(found.bytes, found.info.createdAt) };
  }

  private blobOf(bytes: Buffer, createdAt: number): OpenedBlob {
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      this.openBlobs -= 1;
    };
    return {
      info: { size: bytes.length, modifiedAt: new Date(createdAt), changeToken: sha256(bytes) },
      async *content(range?: ByteRange) {
        try {
          yield bytes.subarray(range?.start ?? 0, range === undefined ? bytes.length : range.end + 1);
        } finally {
          await release();
        }
      },
      async read(target: Uint8Array, position: number) {
        if (released) throw new Error('read after release');
        const copied = bytes.subarray(position, position + target.length);
        target.set(copied);
        return copied.length;
      },
      release,
    };
  }
}
