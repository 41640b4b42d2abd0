import { z } from 'zod';
import { ATTEMPT_STATES } from '../../../domain/fleet/attempt-state.js';
import { FLEET_EVENT_TYPES } from '../../../domain/fleet/fleet-event.js';
import { deviceIdSchema, flagSchema } from './api-schemas.js';
import { hasLoneSurrogate } from '../../../domain/unicode-text.js';
import { isIsoTime } from './iso-time.js';

/*
 * The fleet inventory's requests and answers (`/api/v1/devices`, `/api/v1/fleet`,
 * `/api/v1/events`): validated with these schemas, and described by them in the OpenAPI document.
 * Times are ISO 8601 UTC.
 */

/** Tags a device may carry. */
export const MAX_TAGS = 64;
const tagSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,64}$/, 'a tag is 1-64 printable ASCII characters without spaces')
  .meta({ description: 'A tag: 1-64 printable ASCII characters, no spaces.', example: 'building-7' });

const isoTime = (name: string) =>
  z
    .string()
    .refine(isIsoTime, { message: `${name} must be an ISO 8601 time such as 2026-11-27T12:00:00Z` })
    .transform((raw) => Date.parse(raw))
    .meta({ description: 'An ISO 8601 time.', example: '2026-11-27T12:00:00Z' });

const OVERDUE = 'true: devices not seen for 3x their poll interval (at least 15 minutes).';
const UNASSIGNED = 'true: devices that poll but have no device row.';

/** The listing's filters; each names a query field of `GET /api/v1/devices`. */
export const inventoryFilterFields = {
  tag: tagSchema.meta({ description: 'Devices carrying this tag.' }),
  version: z.string().min(1).max(31).meta({ description: 'Devices running this version.' }),
  project: z.string().min(1).max(32).meta({ description: 'Devices whose running image is of this project.' }),
  chip: z
    .string()
    .min(1)
    .max(32)
    .meta({ description: 'Devices whose running image is for this chip (esp32, esp32c3, ...).' }),
  state: z
    .enum(ATTEMPT_STATES, { message: `state must be one of ${ATTEMPT_STATES.join(', ')}` })
    .meta({ description: "The state of the device's current update attempt." }),
  overdue: flagSchema('overdue', OVERDUE),
  unassigned: flagSchema('unassigned', UNASSIGNED),
  seenAfter: isoTime('seenAfter').meta({ description: 'Devices seen at or after this time.' }),
  search: z
    .string()
    .min(1)
    .max(64)
    .meta({ description: 'Devices whose id contains this text, in any case.', example: '0a:c4' }),
} as const;

/** A JSON flag of a body's filter: true or false, or the query field's words ("true", "1", "no", ...). */
const bodyFlag = (name: string, description: string) => z.union([z.boolean(), flagSchema(name, description)]);

/**
 * The listing's filters as a JSON object (bulk tagging): the query fields, with the two flags
 * also as JSON booleans.
 */
export const inventoryFilterSchema = z
  .object({
    ...inventoryFilterFields,
    overdue: bodyFlag('overdue', OVERDUE),
    unassigned: bodyFlag('unassigned', UNASSIGNED),
  })
  .partial()
  .strict();

export const cursorSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'cursor must be a value of an earlier answer\'s "next"')
  .meta({ description: 'The "next" value of the previous page.' });

/**
 * A query field's whole number, written in decimal digits: Number() alone would take `0x10`,
 * `1e3` and ` 1` as well. A value that is not digits fails the number schema with its message.
 */
const decimalDigits = <S extends z.ZodType>(schema: S) =>
  z.preprocess((raw) => (typeof raw === 'string' && !/^\d{1,15}$/.test(raw) ? Number.NaN : raw), schema);

export const limitSchema = (max: number, name = 'limit') =>
  decimalDigits(
    z.coerce
      .number({ message: `${name} must be a whole number from 1 to ${max}` })
      .int(`${name} must be a whole number from 1 to ${max}`)
      .min(1, `${name} must be at least 1`)
      .max(max, `${name} must be at most ${max}`),
  ).meta({ description: `At most this many items (1-${max}).` });

/**
 * Where a listing that reads the tail of a log (`latest=N`, instead of a cursor) starts, and how
 * much it reads: the log's last N seqs, or only the last `limit` of them when that is smaller.
 */
export function tailWindow(
  lastSeq: number,
  latest: number,
  limit: number | undefined,
): { after: number; limit: number } {
  const size = Math.min(latest, limit ?? latest);
  return { after: Math.max(0, lastSeq - size), limit: size };
}

export const deviceChangeSchema = z
  .object({
    tags: z.array(tagSchema).max(MAX_TAGS, `at most ${MAX_TAGS} tags`).optional(),
    hold: z.boolean().optional(),
    note: z
      .string()
      .max(2000, 'a note is at most 2000 characters')
      .refine((note) => !hasLoneSurrogate(note), 'a note is Unicode text: no unpaired surrogate (\\uD800-\\uDFFF)')
      .optional(),
  })
  .strict()
  .meta({
    id: 'DeviceChange',
    description: "Replaces a device's tags, hold or note (fields left out are kept).",
  });

export const bulkTagSchema = z
  .object({
    add: z.array(tagSchema).max(MAX_TAGS).default([]),
    remove: z.array(tagSchema).max(MAX_TAGS).default([]),
    devices: z.array(deviceIdSchema).max(100_000).optional(),
    filter: inventoryFilterSchema.optional(),
  })
  .strict()
  .refine((body) => (body.devices === undefined) !== (body.filter === undefined), {
    message: 'give either "devices" (a list of ids) or "filter" (the listing\'s query fields)',
  })
  .meta({
    id: 'BulkTagging',
    description: 'Adds and removes tags on the devices listed, or on every device the filter picks.',
  });

export const eventTypeSchema = z
  .enum(FLEET_EVENT_TYPES, { message: `type must be one of ${FLEET_EVENT_TYPES.join(', ')}` })
  .meta({ description: 'Only events of this type.' });

export const eventCursorSchema = decimalDigits(
  z.coerce
    .number({ message: 'after must be an event seq (a whole number)' })
    .int('after must be an event seq (a whole number)')
    .min(0, 'after must be an event seq (a whole number)'),
).meta({ description: 'Events after this seq (the "next" of the previous page, or an event\'s seq).' });

const runningImageSchema = z.object({ project: z.string(), chip: z.string(), secureVersion: z.int() }).nullable();

export const attemptViewSchema = z
  .object({
    id: z.string(),
    state: z.enum(ATTEMPT_STATES),
    file: z.string(),
    version: z.string().nullable(),
    fromVersion: z.string(),
    offeredAt: z.string(),
    updatedAt: z.string(),
    attribution: z.enum(['direct', 'inferred']).nullable(),
    downloads: z.int(),
    servedBytes: z.int(),
    fileSize: z.int(),
    offeredAs: z
      .enum(['patch', 'full'])
      .meta({ description: 'Whether the latest answer offering the file named a patch to it or the full file.' }),
    downloadedAs: z.enum(['patch', 'full']).nullable().meta({
      description:
        "The form of the attempt's downloads (the latest one's); null before the first. servedBytes counts bytes of it.",
    }),
    patchSize: z
      .int()
      .nullable()
      .meta({ description: 'The offered patch in bytes (its 64-byte header included); null when offered full.' }),
  })
  .meta({ id: 'UpdateAttempt', description: 'One offer of a file to a device and what became of it.' });

export const inventoryDeviceSchema = z
  .object({
    id: z.string(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    runningVersion: z.string(),
    image: runningImageSchema,
    address: z.string(),
    auth: z.enum(['shared', 'device', 'certificate']),
    polls: z.int(),
    pollIntervalSeconds: z.number().nullable(),
    overdue: z.boolean(),
    unassigned: z.boolean(),
    lastStatus: z.int(),
    tags: z.array(z.string()),
    hold: z.boolean(),
    note: z.string(),
    attempt: attemptViewSchema.nullable(),
  })
  .meta({ id: 'InventoryDevice', description: 'A device as its checks show it, and what operators added.' });

export const fleetEventSchema = z
  .object({
    seq: z.int(),
    at: z.string(),
    device: z.string().nullable().meta({ description: "The device; null for a rollout's own event." }),
    rolloutId: z
      .string()
      .nullable()
      .meta({ description: "The rollout of a rollout's event (device.penalized included); null for a device's." }),
    type: z.enum(FLEET_EVENT_TYPES),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .meta({
    id: 'FleetEvent',
    description:
      'An event of a device (its type, time and facts: versions, file, attempt) or of a rollout (rollout.* and device.penalized), in one seq order.',
  });

export const inventoryDeviceDetailSchema = inventoryDeviceSchema
  .extend({
    // A device with a device row that has not checked yet is shown too: what only a check
    // tells is null then (and polls 0).
    firstSeen: z.string().nullable(),
    lastSeen: z.string().nullable(),
    runningVersion: z.string().nullable(),
    address: z.string().nullable(),
    auth: z.enum(['shared', 'device', 'certificate']).nullable(),
    lastStatus: z.int().nullable(),
    assignment: z.object({ appVersion: z.string(), file: z.string() }).nullable(),
    attempts: z.array(attemptViewSchema),
    events: z.array(fleetEventSchema),
  })
  .meta({
    id: 'InventoryDeviceDetail',
    description:
      'A device with its device row, its last 10 attempts (newest first) and its newest 100 events (newest first by time). A device with a row that has not checked yet has null where only a check tells.',
  });

export const inventoryPageSchema = z
  .object({ items: z.array(inventoryDeviceSchema), next: z.string().nullable() })
  .meta({ id: 'InventoryPage', description: 'A page of devices in ascending id order; next is null on the last.' });

export const eventPageSchema = z
  .object({ items: z.array(fleetEventSchema), next: z.int().nullable() })
  .meta({ id: 'EventPage', description: 'Events ascending by seq; pass next as after for more (null: none yet).' });

export const fleetSummarySchema = z
  .object({
    devices: z.int(),
    seen: z.object({ '15m': z.int(), '24h': z.int(), '7d': z.int() }),
    overdue: z.int(),
    unassigned: z.int(),
    versions: z.array(
      z.object({ project: z.string().nullable(), version: z.string(), chip: z.string().nullable(), count: z.int() }),
    ),
    attempts: z.record(z.enum(ATTEMPT_STATES), z.int()),
    delta: z
      .object({
        patchDownloads: z.int().meta({ description: 'Current attempts whose patch was downloaded whole.' }),
        bytesSaved: z.int().meta({
          description: "For each of those, the offered file's size minus its patch's size, summed.",
        }),
      })
      .meta({ description: "Delta updates among the devices' current attempts (each device's newest)." }),
  })
  .meta({ id: 'FleetSummary', description: 'The fleet at a glance.' });

export const bulkTagResultSchema = z
  .object({
    matched: z.int(),
    changed: z.int(),
    unknown: z.array(z.string()).meta({
      description:
        'Ids named in `devices` that are not in the inventory (never checked, or forgotten): nothing was done for them.',
    }),
  })
  .meta({
    id: 'BulkTagResult',
    description:
      'How many inventory devices the request named or matched, how many changed, and the ids it named that are not in the inventory.',
  });
