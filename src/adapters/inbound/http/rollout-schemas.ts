import { z } from 'zod';
import type { FieldProblem } from '../../../domain/rollout/field-problem.js';
import { ATTEMPT_STATES } from '../../../domain/fleet/attempt-state.js';
import { EXCLUSION_REASONS } from '../../../domain/rollout/offer-rules.js';
import { ROLLOUT_ID_PATTERN, ROLLOUT_ID_RULE } from '../../../domain/rollout/rollout-id.js';
import { ROLLOUT_STATES } from '../../../domain/rollout/rollout-state.js';
import {
  DEFAULT_ADVANCE_RULE,
  DEFAULT_HALT,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_OFFERS_PER_MINUTE,
  DEFAULT_PENALTY,
  DEFAULT_WAVES,
} from '../../../domain/rollout/rollout-defaults.js';

/*
 * The rollouts' requests and answers (`/api/v1/rollouts`, issue 17): validated with these
 * schemas, and described by them in the OpenAPI document. Times are ISO 8601 UTC.
 *
 * The body schemas check the JSON's shape only (which fields, of which types): the values
 * (ranges, increasing waves, a stored image...) are the domain's and the service's to judge, and
 * they answer the same 400 `invalid-rollout` with every problem by its path. Field names are
 * public API: exactly the issue's.
 */

type Issue = { readonly input?: unknown };
/** "required" for a missing field, `expected` for one of another type. */
const typed = (expected: string) => (issue: Issue) =>
  issue.input === undefined ? 'required' : `must be ${expected}, got ${jsonType(issue.input)}`;

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  // JSON has no infinity, but a number too large for a double (1e400) parses as one.
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'boolean' ? 'true or false' : `a ${typeof value}`;
}

const text = () => z.string({ error: typed('a string') });
const number = () => z.number({ error: typed('a number') });
const flag = () => z.boolean({ error: typed('true or false') });
const texts = () => z.array(text(), { error: typed('a list of strings') });

const selectorSchema = z
  .strictObject(
    {
      tagsAll: texts().meta({ description: 'The device carries every one of these tags.', example: ['lamp'] }),
      tagsAny: texts().meta({ description: 'The device carries at least one of these tags.' }),
      devices: texts().meta({ description: 'The device is one of these (ids, at most 10,000).' }),
      versions: z
        .union([text(), texts(), z.null()], {
          error: (issue) =>
            issue.input === undefined ? 'required' : 'must be a semver range, a list of versions, or null',
        })
        .meta({
          description:
            'The running version: a semver range (">=1.2.0 <2.0.0"; a leading v is allowed) or an exact list; null: any.',
        }),
      project: z
        .union([text(), z.null()], { error: typed('a string or null') })
        .meta({ description: 'The project name of the running image; null: any.' }),
      chip: z
        .union([text(), z.null()], { error: typed('a string or null') })
        .meta({ description: 'The chip of the running image (esp32, esp32c3, ...); null: any.' }),
    },
    { error: typed('an object') },
  )
  .partial()
  .meta({
    id: 'RolloutSelector',
    description: 'Which devices the rollout is for; every field narrows, absent ones narrow nothing.',
  });

const advanceSchema = z
  .strictObject(
    {
      successPercent: number().meta({
        description: 'Succeeded devices as a share of resolved ones, at least (each device by its latest attempt).',
      }),
      minResolved: number().meta({ description: 'Resolved devices in the wave, at least.' }),
      soakMinutes: number().meta({ description: 'Minutes since the wave began, at least.' }),
    },
    { error: typed('an object or null') },
  )
  .partial()
  .meta({
    id: 'RolloutAdvance',
    description: `When a wave advances by itself (absent parts: ${JSON.stringify(DEFAULT_ADVANCE_RULE)}).`,
  });

const haltSchema = z
  .strictObject(
    {
      failurePercent: number().meta({
        description:
          'Failed devices as a share of those resolved or booted (provisional) that halt it (each device by its latest attempt).',
      }),
      failureCount: number().meta({ description: 'Failed devices that halt it, whatever their share.' }),
      minResolved: number().meta({
        description: 'Devices resolved or booted (provisional) needed before either is judged.',
      }),
    },
    { error: typed('an object') },
  )
  .partial()
  .meta({ id: 'RolloutHalt', description: `When it halts by itself (default ${JSON.stringify(DEFAULT_HALT)}).` });

const penaltySchema = z
  .strictObject(
    {
      failures: number().meta({ description: 'Failed attempts of one image that put a device in the box.' }),
      hours: number().meta({ description: 'How long it stays there, from its last failure.' }),
    },
    { error: typed('an object') },
  )
  .partial()
  .meta({ id: 'RolloutPenalty', description: `The penalty box (default ${JSON.stringify(DEFAULT_PENALTY)}).` });

/** The definition's fields other than name and file, each optional. */
const definitionFields = {
  selector: selectorSchema.optional(),
  waves: z
    .array(number(), { error: typed('a list of percentages') })
    .optional()
    .meta({
      description: `Cumulative percentages of the selected devices, strictly increasing, each in (0, 100] to 0.01 (default ${JSON.stringify(DEFAULT_WAVES)}).`,
    }),
  // Nullable rather than a union with null, so that a bad field inside is named by its path
  // (a union's one message said "must be an object or null, got an object").
  advance: advanceSchema
    .nullable()
    .optional()
    .meta({ description: 'null or absent: waves advance only by operator action.' }),
  maxInFlight: number()
    .optional()
    .meta({
      description: `Attempts between offered and resolved at once, at most (default ${DEFAULT_MAX_IN_FLIGHT}).`,
    }),
  maxOffersPerMinute: number()
    .optional()
    .meta({
      description: `Offers in any 60 seconds, at most (default ${DEFAULT_MAX_OFFERS_PER_MINUTE}).`,
    }),
  halt: haltSchema.optional(),
  penalty: penaltySchema.optional(),
  allowDowngrade: flag()
    .optional()
    .meta({ description: 'Offer an older version than the device runs (default false).' }),
  priority: number()
    .optional()
    .meta({ description: 'Higher wins when several rollouts could offer to a device (default 0).' }),
  includeUnknownImages: flag().optional().meta({
    description: 'Offer also to devices whose running image is no stored image (default false).',
  }),
};

const nameSchema = text().meta({ description: '1-100 characters.', example: 'lamp 2.1 to the fleet' });
const fileSchema = text().meta({ description: 'The stored image offered (its update file path).' });

/** `POST /api/v1/rollouts`: a definition, name and file required, anything else defaulted. */
export const rolloutInputSchema = z
  .strictObject({ name: nameSchema, file: fileSchema, ...definitionFields }, { error: typed('a JSON object') })
  .meta({
    id: 'RolloutDefinition',
    description: 'A rollout as created: absent fields take the documented defaults.',
  });

/** Every field of `shape`, null allowed as well. */
function nullableFields<T extends z.ZodRawShape>(shape: T): { [K in keyof T]: z.ZodNullable<T[K]> } {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, (field as z.ZodType).nullable()]),
  ) as unknown as {
    [K in keyof T]: z.ZodNullable<T[K]>;
  };
}

/** An object of a merge patch: any of its fields null (removed: its default again), or the whole of it. */
function removable<T extends z.ZodRawShape>(schema: z.ZodObject<T>, id: string) {
  return z
    .strictObject(nullableFields(schema.shape), { error: typed('an object or null') })
    .partial()
    .nullable()
    .optional()
    .meta({ id, description: `${schema.description ?? ''} In a patch, null removes a field (its default again).` });
}

/**
 * `PATCH /api/v1/rollouts/<id>`: a JSON merge patch (RFC 7396) of the definition: fields given
 * replace, objects (selector, advance, halt, penalty) merge field by field, fields left out stay,
 * and null removes a field: it takes its default again (`"halt": null` the default halt rule,
 * `"selector": {"tagsAll": null}` no tag). The name and the file cannot be removed.
 */
export const rolloutPatchSchema = z
  .strictObject(
    {
      name: nameSchema,
      file: fileSchema,
      ...nullableFields({
        waves: definitionFields.waves.unwrap(),
        maxInFlight: definitionFields.maxInFlight.unwrap(),
        maxOffersPerMinute: definitionFields.maxOffersPerMinute.unwrap(),
        allowDowngrade: definitionFields.allowDowngrade.unwrap(),
        priority: definitionFields.priority.unwrap(),
        includeUnknownImages: definitionFields.includeUnknownImages.unwrap(),
      }),
      selector: removable(selectorSchema, 'RolloutSelectorPatch'),
      advance: removable(advanceSchema, 'RolloutAdvancePatch'),
      halt: removable(haltSchema, 'RolloutHaltPatch'),
      penalty: removable(penaltySchema, 'RolloutPenaltyPatch'),
    },
    { error: typed('a JSON object') },
  )
  .partial()
  .meta({
    id: 'RolloutPatch',
    description:
      'A merge patch of the definition (RFC 7396): given fields replace, selector/advance/halt/penalty merge field by field, absent fields stay, null removes a field (its default again; advance: null makes the waves manual); name and file cannot be removed.',
  });

export const rolloutIdSchema = z
  .string()
  .regex(ROLLOUT_ID_PATTERN, ROLLOUT_ID_RULE)
  .meta({ description: 'A rollout id.', example: 'r-3kq9' });

export const rolloutStateQuerySchema = z
  .enum(ROLLOUT_STATES, { message: `state must be one of ${ROLLOUT_STATES.join(', ')}` })
  .meta({ description: 'Only rollouts in this state.' });

export const attemptStateQuerySchema = z
  .enum(ATTEMPT_STATES, { message: `state must be one of ${ATTEMPT_STATES.join(', ')}` })
  .meta({ description: 'Only devices whose latest attempt of the rollout is in this state.' });

/**
 * Every problem of a body that does not fit the schema, each by its path (as the domain names
 * its own): an unknown field is a problem of its own path.
 */
export function schemaProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    const path = issue.path.map((part) => (typeof part === 'number' ? part : String(part)));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field' }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Problems as one line: `waves.2: must be a number, got a string; name: required`. */
export function problemsText(problems: readonly FieldProblem[]): string {
  return problems
    .map((problem) => `${problem.path.length === 0 ? '(body)' : problem.path.join('.')}: ${problem.message}`)
    .join('; ');
}

// The answers.

const attemptCountsSchema = z
  .record(z.enum(ATTEMPT_STATES), z.int())
  .meta({ description: 'Attempts by state, every state present (0 when none).' });

const waveViewSchema = z.object({
  percent: z.number(),
  devices: z.int().meta({ description: 'Eligible devices the wave holds now (cumulative).' }),
  attempts: attemptCountsSchema,
});

const haltReasonSchema = z
  .object({
    kind: z.enum(['failure-percent', 'failure-count']),
    text: z.string().meta({ description: 'The reason in a sentence.' }),
    resolved: z.int(),
    succeeded: z.int(),
    failed: z.int(),
    provisional: z.int().meta({ description: 'Devices that had booted the image, not yet confirmed.' }),
    waveDevices: z.int().nullable().meta({
      description:
        'Set when the failures broke the rule against every device the wave holds before minResolved had an outcome; null otherwise.',
    }),
    failurePercent: z.number().meta({ description: 'The threshold in force when it halted.' }),
    failureCount: z.int().meta({ description: 'The threshold in force when it halted.' }),
  })
  .meta({ id: 'RolloutHaltReason', description: 'Why the rollout halted by itself, with the counts judged.' });

const selectorViewSchema = z.object({
  tagsAll: z.array(z.string()),
  tagsAny: z.array(z.string()),
  devices: z.array(z.string()),
  versions: z.union([z.string(), z.array(z.string()), z.null()]),
  project: z.string().nullable(),
  chip: z.string().nullable(),
});

const isoOrNull = z.string().nullable();

export const rolloutViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    file: z.string(),
    selector: selectorViewSchema,
    waves: z.array(waveViewSchema).meta({ description: 'Each wave: its percentage, devices and attempts.' }),
    advance: z
      .object({ successPercent: z.number(), minResolved: z.int(), soakMinutes: z.number() })
      .nullable()
      .meta({ description: 'null: manual.' }),
    maxInFlight: z.int(),
    maxOffersPerMinute: z.int(),
    halt: z.object({ failurePercent: z.number(), failureCount: z.int(), minResolved: z.int() }),
    penalty: z.object({ failures: z.int(), hours: z.number() }),
    allowDowngrade: z.boolean(),
    priority: z.int(),
    includeUnknownImages: z.boolean(),
    state: z.enum(ROLLOUT_STATES),
    wave: z.int().meta({ description: 'Index in waves of the current wave (0 until started).' }),
    inFlight: z.int().meta({ description: 'Attempts between offered and resolved now (against maxInFlight).' }),
    offersLastMinute: z.int().meta({
      description:
        "Offers in the last 60 s (against maxOffersPerMinute), every server's when several share the storage.",
    }),
    current: z
      .object({
        resolved: z.int(),
        succeeded: z.int(),
        failed: z.int(),
        provisional: z.int().meta({
          description:
            'Devices that booted the image and are not confirmed yet (the halt rule weighs failures against them too).',
        }),
        quiet: z.int().meta({
          description:
            'Devices that booted the image and then went quiet (overdue, and silent for the silence timeout): pending, neither success nor failure; the rollout does not complete, nor its wave advance, past them.',
        }),
        failurePercent: z
          .number()
          .nullable()
          .meta({ description: 'failed / (resolved + provisional), in percent; null before any.' }),
      })
      .meta({
        description:
          'Devices, each counted once by its latest attempt, resolved since countingSince: what the halt and advance rules judge.',
      }),
    countingSince: isoOrNull.meta({
      description:
        'From when current counts: the later of when the current wave began and the last resume from a halt ' +
        '(a pause and its resume change nothing). null while draft.',
    }),
    haltReason: haltReasonSchema.nullable().meta({ description: 'Set while halted.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: isoOrNull,
    waveStartedAt: isoOrNull.meta({ description: 'When the current wave began.' }),
    resumedAt: isoOrNull.meta({ description: 'When an operator last resumed it, from a pause or a halt.' }),
    endedAt: isoOrNull.meta({ description: 'When it completed or was aborted.' }),
  })
  .meta({ id: 'Rollout', description: 'A rollout as read back: its definition and where it stands.' });

export const rolloutListSchema = z
  .object({ items: z.array(rolloutViewSchema) })
  .meta({ id: 'RolloutList', description: 'Every rollout, newest first.' });

export const rolloutPreviewSchema = z
  .object({
    selected: z.int().meta({ description: 'Devices the selector picks.' }),
    eligible: z.int().meta({ description: 'Selected devices no rule excludes.' }),
    excluded: z
      .record(z.enum(EXCLUSION_REASONS), z.int())
      .meta({ description: 'Per rule, the selected devices it excludes (a device may count under several).' }),
    waves: z.array(z.object({ percent: z.number(), devices: z.int() })),
    unseen: z.array(z.string()).meta({
      description:
        "Devices the selector lists by id that no poll has shown yet, in the listed order: counted once they poll; a running rollout's last wave waits for them.",
    }),
  })
  .meta({ id: 'RolloutPreview', description: 'What the definition would do with the devices known now.' });

export const rolloutDeviceSchema = z
  .object({
    device: z.string(),
    wave: z.int().meta({ description: 'The wave (index) in which it was offered.' }),
    attempt: z.string(),
    state: z.enum(ATTEMPT_STATES),
    offeredAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'RolloutDevice', description: 'A device the rollout made an offer to, and its latest attempt.' });

export const rolloutDeviceListSchema = z
  .object({ items: z.array(rolloutDeviceSchema) })
  .meta({ id: 'RolloutDeviceList', description: 'The devices the rollout made offers to.' });

export const devicePenaltiesSchema = z
  .object({
    device: z.string(),
    rolledBack: z.array(z.string()).meta({
      description:
        'The versions that rolled back on the device since its penalty box was last cleared: no rollout offers them to it again (rolled-back-before) until it is cleared.',
    }),
    penalties: z.array(
      z.object({
        file: z.string(),
        version: z.string().nullable(),
        failures: z.int(),
        lastFailureAt: z.string(),
        until: z.string(),
      }),
    ),
  })
  .meta({ id: 'DevicePenalties', description: "A device's penalty box: one entry per image it may not be offered." });
