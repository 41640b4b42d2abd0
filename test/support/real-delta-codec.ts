import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DevicePatchApplier } from './delta-device-emulator.js';

/** fuota's own patch codec, as src/domain/delta/delta-patch.ts exports it once merged. */
export interface RealDeltaCodec {
  readonly makeDeltaPatch: (base: Uint8Array, target: Uint8Array, baseImageSha256: Uint8Array) => Uint8Array;
  /** applyDeltaPatch, fed as a device feeds it (the pieces joined: it takes the whole patch). */
  readonly apply: DevicePatchApplier;
}

const MODULE = new URL('../../src/domain/delta/delta-patch.js', import.meta.url);

/**
 * The real codec when this build has it (makeDeltaPatch and applyDeltaPatch), else undefined:
 * the device side is tested with the stand-in codec (test-delta-patch.ts) until the codec, the
 * bsdiff and the patch store are merged, and with both after.
 */
export async function realDeltaCodec(): Promise<RealDeltaCodec | undefined> {
  if (!existsSync(fileURLToPath(MODULE))) return undefined;
  const loaded = (await import(MODULE.href)) as Partial<{
    makeDeltaPatch: RealDeltaCodec['makeDeltaPatch'];
    applyDeltaPatch: (base: Uint8Array, patch: Uint8Array) => Uint8Array;
  }>;
  const { makeDeltaPatch, applyDeltaPatch } = loaded;
  if (typeof makeDeltaPatch !== 'function' || typeof applyDeltaPatch !== 'function') return undefined;
  return {
    makeDeltaPatch,
    apply: (base, pieces) => applyDeltaPatch(base, Buffer.concat([...pieces])),
  };
}
