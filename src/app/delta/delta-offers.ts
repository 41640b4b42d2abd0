import type { DeltaFormatId } from '../../domain/delta/delta-format.js';
import type { UpdateFile } from '../../domain/update-file.js';
import type { OpenedBlob } from '../../ports/blob-store.port.js';

/** A stored patch from one exact base file to one exact target file. */
export interface DeltaPatchInfo {
  /** `<target sha256>.<base sha256>.<format>`; devices download it as `.delta/<id>`. */
  readonly id: string;
  readonly format: DeltaFormatId;
  /** SHA-256 of the whole base file (the signed bytes, signature sector included). */
  readonly baseSha256: string;
  /** The base image's appended SHA-256: what the device reports as its running image (the patch header's). */
  readonly baseImageSha256: string;
  /** SHA-256 and size of the whole file the patch rebuilds. */
  readonly targetSha256: string;
  readonly targetSize: number;
  /** The patch's bytes, header included: what the device downloads. */
  readonly size: number;
  /** When the patch was stored, epoch ms. */
  readonly createdAt: number;
}

/** What the device path asks of the patches: which one to offer, and its bytes. */
export interface DeltaOffers {
  /**
   * The ready patch from the device's running image (its digest, as the device sends it) to
   * `target`, or undefined, in which case one is asked to be built (never waited for). Undefined
   * too when the digest matches no stored file or more than one, or when the patch's base
   * disagrees with the stored file. Synchronous: answered from memory.
   */
  offerFor(target: UpdateFile, format: DeltaFormatId, baseImageSha256: string): DeltaPatchInfo | undefined;
  /** The stored patch that `.delta/<id>` names, opened for reading; undefined when there is none. */
  open(id: string): Promise<{ readonly patch: DeltaPatchInfo; readonly blob: OpenedBlob } | undefined>;
}

export const DELTA_OFFERS = Symbol.for('fuota.DeltaOffers');
