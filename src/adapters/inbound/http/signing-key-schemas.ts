import { z } from 'zod';
import { SIGNATURE_SCHEMES } from '../../../domain/firmware/signature-block.js';

const name = z.string().max(200).optional().meta({ description: 'What the operator calls the key.' });

export const signingKeyInputSchema = z
  .union([
    z
      .object({
        publicKey: z
          .string()
          .min(1)
          .max(16 * 1024)
          .meta({
            description:
              'One PEM public key (one BEGIN PUBLIC KEY block; not a private key, not a certificate): RSA-3072, or ECDSA P-192, P-256 or P-384.',
          }),
        name,
      })
      .strict(),
    z
      .object({
        keyDigest: z.string().meta({
          description:
            'The key digest (SHA-256 of the key as espsecure digest_sbv2_public_key computes it): 64 hex digits, or 32 hex bytes separated by spaces or colons as espsecure signature_info_v2 prints it; any case.',
          example: '30c92b706e316585dc755f20b68d5d4cb830cda53b4fb0bf7dded175127e289d',
        }),
        name,
      })
      .strict(),
  ])
  .meta({
    id: 'SigningKeyInput',
    description: 'A key to trust: either publicKey (PEM) or keyDigest, and an optional name.',
  });

export const signingKeySchema = z
  .object({
    keyDigest: z.string().regex(/^[0-9a-f]{64}$/),
    scheme: z.enum(SIGNATURE_SCHEMES).nullable().meta({ description: 'Null for a key given only as its digest.' }),
    name: z.string().nullable(),
    source: z
      .enum(['file', 'api'])
      .meta({ description: 'file: FUOTA_TRUSTED_KEYS (read-only here); api: added here.' }),
    addedAt: z.string().nullable().meta({ description: "When it was added through the API; null for the file's." }),
  })
  .meta({ id: 'SigningKey', description: 'A trusted Secure Boot v2 signing key.' });

export const removedSigningKeySchema = z
  .object({
    removed: signingKeySchema,
    remaining: z.int().meta({ description: 'Trusted keys left; 0 turns the check off.' }),
  })
  .meta({ id: 'RemovedSigningKey', description: 'The key removed, and how many trusted keys remain.' });

export const keyDigestParamSchema = z
  .string()
  .regex(
    /^[0-9a-fA-F: ]{64,95}$/,
    'the path must end with a key digest: 64 hex digits (or 32 hex bytes separated by colons)',
  )
  .meta({ description: 'The key digest: 64 hex digits, or 32 hex bytes separated by colons; any case.' });
