import { z } from 'zod';
import { EDO1_HS8_7 } from '../../../domain/delta/delta-format.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const deltaPatchSchema = z
  .object({
    id: z
      .string()
      .meta({ description: '`<target sha256>.<base sha256>.<format>`; devices download it as `.delta/<id>`.' }),
    format: z.enum([EDO1_HS8_7]),
    baseSha256: sha256.meta({ description: 'SHA-256 of the whole base file (signature sector included).' }),
    baseImageSha256: sha256.meta({
      description: "The base image's appended SHA-256, in the patch header: what a device running the base reports.",
    }),
    basePath: z.string().nullable().meta({ description: 'A stored file with the base bytes; null when none is left.' }),
    baseVersion: z.string().nullable(),
    targetSha256: sha256,
    targetPath: z.string().nullable(),
    targetSize: z.int(),
    size: z.int().meta({ description: "The patch's bytes, header included: what a device downloads." }),
    ratio: z.number().meta({ description: 'size / targetSize.' }),
    offered: z.boolean().meta({
      description:
        'Whether devices running the base are sent it now: false while the ratio is not under FUOTA_DELTA_MAX_RATIO, another stored file has the base image digest, a file of the pair is gone, or FUOTA_DELTA is off.',
    }),
    createdAt: z.string().meta({ description: 'When the patch was stored (ISO 8601).' }),
  })
  .meta({ id: 'DeltaPatch', description: 'A stored delta patch from one exact base file to one exact target file.' });

export const deltaBuildSchema = z
  .object({
    baseSha256: sha256,
    basePath: z.string().nullable(),
    targetSha256: sha256,
    targetPath: z.string().nullable(),
    state: z.enum(['pending', 'not-smaller', 'failed', 'removed']),
    detail: z.string(),
    at: z.string(),
  })
  .meta({
    id: 'DeltaBuild',
    description:
      'A pair without a patch on this server: a build under way, or why it gave none (remembered until restart, so it is not rebuilt on every check; `delta make` builds it again).',
  });

export const deltaListingSchema = z
  .object({ patches: z.array(deltaPatchSchema), builds: z.array(deltaBuildSchema) })
  .meta({ id: 'DeltaListing', description: 'Every stored patch, newest first, and the pairs without one.' });

/** The paths are checked as update file paths by the route (invalid-file-path). */
export const deltaMakeSchema = z
  .object({
    base: z.string().meta({ description: 'The stored file devices run now (an update file path).' }),
    target: z.string().meta({ description: 'The stored file they are to run (an update file path).' }),
  })
  .strict()
  .meta({ id: 'DeltaMake', description: 'The stored files to make a patch between (both valid images).' });

export const deltaIdParamSchema = z.string().min(1).max(200);
