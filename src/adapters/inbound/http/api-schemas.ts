import { z } from 'zod';
import { deltaPatchSchema } from './delta-schemas.js';
import { EDO1_HS8_7 } from '../../../domain/delta/delta-format.js';
import { SHA256_HEX } from './delta-query.js';
import { SIGNATURE_SCHEMES } from '../../../domain/firmware/signature-block.js';
import { ROLLOUT_STATES } from '../../../domain/rollout/rollout-state.js';
import { APP_VERSION_PATTERN, APP_VERSION_RULE } from '../../../domain/app-version.js';
import type { AppVersion } from '../../../domain/app-version.js';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from '../../../domain/device-id.js';
import type { DeviceId } from '../../../domain/device-id.js';
import {
  UPDATE_FILE_PATH_MAX_LENGTH,
  UPDATE_FILE_PATH_PATTERN,
  UPDATE_FILE_PATH_RULE,
} from '../../../domain/update-file-path.js';
import type { UpdateFilePath } from '../../../domain/update-file-path.js';

/*
 * The schemas the HTTP adapter validates requests with, and that the OpenAPI document is made
 * from: one description of the API, not two. Patterns and messages come from the domain.
 */

export const deviceIdSchema = z
  .string()
  .regex(DEVICE_ID_PATTERN, DEVICE_ID_RULE)
  .transform((raw) => raw as DeviceId)
  .meta({
    description: 'A device id: 1-64 of A-Z a-z 0-9 : . _ - (a MAC address fits), not only dots.',
    example: '24:0A:C4:00:01:02',
  });

/** `delta=` of a device check, as the API description shows it (delta-query.ts reads it). */
export const deltaFormatQuerySchema = z.string().meta({
  description:
    'The patch format the device applies (delta updates): edo1-hs8-7 (esp_delta_ota). Another value is ignored: the full image is offered.',
  example: EDO1_HS8_7,
});

/** `base=` of a device check, as the API description shows it. */
export const deltaBaseQuerySchema = z.string().regex(SHA256_HEX, 'base must be a SHA-256 digest: 64 hex digits').meta({
  description:
    "The SHA-256 of the device's running image (its appended digest, as esp_partition_get_sha256 gives it), in hex; required with delta.",
});

export const appVersionSchema = z
  .string()
  .regex(APP_VERSION_PATTERN, APP_VERSION_RULE)
  .transform((raw) => raw as AppVersion)
  .meta({
    description: 'The version the device runs (esp_app_desc_t.version): 1-31 printable ASCII, no double quote.',
    example: 'v1.9.0',
  });

export const updateFilePathSchema = z
  .string()
  .max(UPDATE_FILE_PATH_MAX_LENGTH, UPDATE_FILE_PATH_RULE)
  .regex(UPDATE_FILE_PATH_PATTERN, UPDATE_FILE_PATH_RULE)
  .transform((raw) => raw as UpdateFilePath)
  .meta({
    description: 'An update path: /-separated segments of A-Z a-z 0-9 . _ + -, none starting with a dot; 1-200 bytes.',
    example: 'lamp/v2.0.0.bin',
  });

/**
 * A yes/no query flag, spelt as FUOTA_VALIDATE_IMAGES is (true/false, 1/0, yes/no), so that a
 * spelling the configuration takes is not a 400 in a URL.
 */
export function flagSchema(name: string, description: string) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: `${name} must be true or false (or 1/0, yes/no)` })
    .transform((raw) => raw === 'true' || raw === '1' || raw === 'yes')
    .meta({ description });
}

export const validateFlagSchema = flagSchema(
  'validate',
  'false: store bytes that are not an ESP-IDF application image.',
);

export const forceFlagSchema = flagSchema(
  'force',
  'true: delete the file even though device rows name it (their devices are then told 404).',
);

export const deviceRecordCsvSchema = z
  .string()
  .max(16 * 1024)
  .meta({
    description: 'One seed CSV record: "<device_id>","<app_ver>","<update_file_path>" (quotes inside fields doubled).',
    example: '"24:0A:C4:00:01:02","v1.9.0","lamp/v2.0.0.bin"',
  });

export const signatureFactSchema = z
  .object({
    scheme: z.enum(SIGNATURE_SCHEMES),
    keyDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .meta({
        description:
          "SHA-256 of the block's public key as `espsecure digest_sbv2_public_key` writes it: the value a device's eFuse holds.",
      }),
    verifies: z.boolean().meta({ description: "The signature verifies with the block's key over the image." }),
  })
  .meta({ id: 'SignatureBlock', description: 'One Secure Boot v2 signature block of an image.' });

export const espImageInfoSchema = z
  .object({
    chip: z.string(),
    chipId: z.int(),
    minChipRev: z.int(),
    minChipRevFull: z.int(),
    maxChipRevFull: z.int(),
    segmentCount: z.int(),
    hashAppended: z.boolean(),
    appendedSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .meta({
        description:
          "The image's appended SHA-256, as esp_partition_get_sha256 returns it for the running app (a delta patch's base). Absent when no hash is appended.",
      }),
    imageLength: z.int(),
    projectName: z.string(),
    version: z.string(),
    idfVersion: z.string(),
    secureVersion: z.int(),
    elfSha256: z.string(),
    compileDate: z.string(),
    compileTime: z.string(),
    signed: z.boolean(),
    signatureBlocks: z.int(),
    signatures: z.array(signatureFactSchema).meta({ description: 'Each signature block, in sector order.' }),
  })
  .meta({ id: 'EspImageInfo', description: 'What the server read from an ESP-IDF application image.' });

export const updateFileViewSchema = z
  .object({
    path: z.string(),
    size: z.int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    storedAt: z.string(),
    image: espImageInfoSchema.nullable(),
  })
  .meta({ id: 'UpdateFile', description: 'A stored update file.' });

export const fileUsageSchema = z
  .object({
    devices: z.array(z.string()).meta({ description: 'The devices whose device row names the file.' }),
    rollouts: z
      .array(z.object({ id: z.string(), name: z.string(), state: z.enum(ROLLOUT_STATES) }))
      .meta({ description: 'The rollouts whose target it is, ended ones too.' }),
  })
  .meta({ id: 'FileUsage', description: 'What uses a stored file.' });

export const updateFileDetailSchema = updateFileViewSchema
  .extend({
    usage: fileUsageSchema,
    patches: z.array(deltaPatchSchema).meta({ description: 'The stored delta patches to this file, newest first.' }),
  })
  .meta({ id: 'UpdateFileDetail', description: 'A stored update file, what uses it, and the patches to it.' });

export const deletedUpdateFileSchema = z.object({ deleted: updateFileViewSchema, namedBy: z.array(z.string()) }).meta({
  id: 'DeletedUpdateFile',
  description: 'The file that was deleted, and the device rows that still name its path (only when forced).',
});

export const deviceRecordSchema = z
  .object({ deviceId: z.string(), appVersion: z.string(), updateFilePath: z.string() })
  .meta({ id: 'DeviceRecord', description: 'A device row: the device running appVersion is offered updateFilePath.' });

export const provisionedCredentialSchema = z
  .object({ deviceId: z.string(), username: z.string(), password: z.string(), createdAt: z.string() })
  .meta({
    id: 'ProvisionedDeviceCredential',
    description: 'A new device credential; the password is shown this once.',
  });

export const credentialStatusSchema = z
  .object({ deviceId: z.string(), createdAt: z.string() })
  .meta({ id: 'DeviceCredentialStatus', description: 'That a device has its own credential, and since when.' });

export const healthSchema = z
  .object({ status: z.enum(['ok', 'failing']), checks: z.record(z.string(), z.enum(['ok', 'failing'])) })
  .meta({ id: 'Health', description: 'Whether the database and the file store read and write.' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: z.string(),
    detail: z.string(),
    reason: z.string().optional(),
    namedBy: z
      .array(z.string())
      .optional()
      .meta({ description: 'file-in-use: the device ids of the rows that name the file.' }),
    problems: z
      .array(z.object({ path: z.array(z.union([z.string(), z.int()])), message: z.string() }))
      .optional()
      .meta({ description: 'invalid-rollout: every bad field, by its path in the body (["waves", 2]).' }),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document; code is the stable reason.' });
