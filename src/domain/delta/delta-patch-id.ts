import type { DeltaFormatId } from './delta-format.js';
import { isDeltaFormatId } from './delta-format.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** What a patch id names: the exact target and base files (by SHA-256) and the patch format. */
export interface DeltaPatchKey {
  readonly targetSha256: string;
  readonly baseSha256: string;
  readonly format: DeltaFormatId;
}

/** `<target sha256>.<base sha256>.<format>`: one patch per pair and format, whatever their paths. */
export function deltaPatchId(key: DeltaPatchKey): string {
  return `${key.targetSha256}.${key.baseSha256}.${key.format}`;
}

/** The key a patch id names, or undefined for anything that is not one (so never a path outside the store). */
export function parseDeltaPatchId(id: string): DeltaPatchKey | undefined {
  const [targetSha256, baseSha256, format, ...rest] = id.split('.');
  if (rest.length > 0 || targetSha256 === undefined || baseSha256 === undefined || format === undefined)
    return undefined;
  if (!SHA256.test(targetSha256) || !SHA256.test(baseSha256) || !isDeltaFormatId(format)) return undefined;
  return { targetSha256, baseSha256, format };
}
