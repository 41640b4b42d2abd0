import type { OpenedBlob } from './blob-store.port.js';

/** A stored patch's bytes' size and when it was stored. */
export interface StoredDeltaPatch {
  readonly id: string;
  readonly size: number;
  /** Epoch ms. */
  readonly storedAt: number;
}

/**
 * Delta patches' bytes, by patch id (see delta-patch-id.ts), in an area of the update files'
 * storage that no update file path can name. The ids listed are the index: with shared storage,
 * every server reads the same patches.
 */
export interface DeltaPatchStore {
  /** Stores `patch` under `id` durably (replacing one stored there). Throws for an id that is not a patch id. */
  put(id: string, patch: Uint8Array): Promise<StoredDeltaPatch>;
  stat(id: string): Promise<StoredDeltaPatch | undefined>;
  /** The first `length` bytes (fewer when the patch is shorter): a patch's header. */
  readHead(id: string, length: number): Promise<Uint8Array | undefined>;
  /** Opened for a download (ranges, the same version throughout); undefined when there is none. */
  open(id: string): Promise<OpenedBlob | undefined>;
  /** False when no patch is stored under `id`. */
  delete(id: string): Promise<boolean>;
  /** Every stored patch's id, in no particular order. */
  list(): AsyncIterable<string>;
}

export const DELTA_PATCH_STORE = Symbol.for('fuota.DeltaPatchStore');
