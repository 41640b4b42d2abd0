import { bsdiffControls } from './bsdiff.js';
import type { BsdiffControl } from './bsdiff-control.js';
import { DeltaPatchApplier } from './delta-patch-applier.js';
import { DELTA_PATCH_HEADER_SIZE, encodeDeltaPatchHeader, readDeltaPatchHeader } from './delta-patch-header.js';
import { writeSequentialPatch } from './sequential-patch-writer.js';

/*
 * A delta patch in format edo1-hs8-7, whole: the 64-byte header, then the detools sequential
 * patch compressed with heatshrink 8/7.
 */
export { DELTA_PATCH_HEADER_SIZE, readDeltaPatchHeader };

/** The patch that rebuilds `target` from `base` by the given bsdiff steps, for a device running `base`. */
export function encodeDeltaPatch(
  base: Uint8Array,
  target: Uint8Array,
  controls: readonly BsdiffControl[],
  baseImageSha256: Uint8Array,
): Uint8Array {
  const header = encodeDeltaPatchHeader(baseImageSha256);
  const body = writeSequentialPatch(base, target, controls);
  const patch = new Uint8Array(header.length + body.length);
  patch.set(header);
  patch.set(body, header.length);
  return patch;
}

/**
 * The patch fuota stores and offers: bsdiff's steps from `base` to `target`, encoded for a device
 * whose running image has the appended SHA-256 `baseImageSha256` (the header's digest).
 */
export function makeDeltaPatch(base: Uint8Array, target: Uint8Array, baseImageSha256: Uint8Array): Uint8Array {
  return encodeDeltaPatch(base, target, bsdiffControls(base, target), baseImageSha256);
}

/**
 * The new file, as the device would rebuild it: the header's magic checked but not its digest
 * (which base the device runs is the caller's question, as on the device). Throws DeltaPatchError.
 */
export function applyDeltaPatch(base: Uint8Array, patch: Uint8Array): Uint8Array {
  const applier = new DeltaPatchApplier(base);
  const newFile = applier.push(patch);
  applier.finish();
  return newFile;
}
