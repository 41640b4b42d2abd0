import type { z } from 'zod';
import type { DeltaBuildState } from '../../../app/delta/delta-build-state.js';
import type { DeltaPatchView } from '../../../app/delta/delta-service.js';
import type { deltaBuildSchema, deltaPatchSchema } from './delta-schemas.js';

/** A stored patch as the API shows it (times as ISO 8601). */
export function deltaPatchView(patch: DeltaPatchView): z.input<typeof deltaPatchSchema> {
  return {
    id: patch.id,
    format: patch.format,
    baseSha256: patch.baseSha256,
    baseImageSha256: patch.baseImageSha256,
    basePath: patch.basePath,
    baseVersion: patch.baseVersion,
    targetSha256: patch.targetSha256,
    targetPath: patch.targetPath,
    targetSize: patch.targetSize,
    size: patch.size,
    ratio: patch.ratio,
    offered: patch.offered,
    createdAt: new Date(patch.createdAt).toISOString(),
  };
}

export function deltaBuildView(
  build: DeltaBuildState & { readonly basePath: string | null; readonly targetPath: string | null },
): z.input<typeof deltaBuildSchema> {
  return { ...build, at: new Date(build.at).toISOString() };
}
