import { z } from 'zod';
import { DOMAIN_ERROR_CODES, TRANSPORT_ERROR_CODES } from '../../../../domain/domain-error.js';
import { APP_VERSION_PATTERN } from '../../../../domain/app-version.js';
import { DEVICE_ID_PATTERN } from '../../../../domain/device-id.js';
import { ESP_CHIPS } from '../../../../domain/firmware/esp-chip.js';
import { MAX_NAME_LENGTH, MAX_WAVES } from '../../../../domain/rollout/rollout-validation.js';
import {
  MAX_PROJECT_LENGTH,
  MAX_SELECTOR_DEVICES,
  MAX_SELECTOR_TAGS,
  MAX_SELECTOR_VERSIONS,
  TAG_PATTERN,
} from '../../../../domain/rollout/selector-validation.js';
import { UPDATE_FILE_PATH_MAX_LENGTH, UPDATE_FILE_PATH_PATTERN } from '../../../../domain/update-file-path.js';
import { problemSchema, signatureFactSchema } from '../api-schemas.js';
import type { ApiOperation, BodySpec, HeaderSpec, ResponseSpec } from './api-operations.js';
import { API_OPERATIONS, REQUEST_HEADERS } from './api-operations.js';

type Json = Record<string, unknown>;
const COMPONENTS = '#/components/schemas/';
const RESPONSES = '#/components/responses/';
const PROBLEM_TYPE = 'application/problem+json';

/** `/devices/:id` -> `/devices/{id}`, `/files/*path` -> `/files/{path}`. */
export function openApiPath(route: string): string {
  return route.replace(/[:*]([A-Za-z_]+)/g, '{$1}');
}

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), describing what a client sends
 * (`io: 'input'`, before transforms); schemas with an id become shared components.
 */
function jsonSchema(schema: z.ZodType, components: Json): Json {
  const converted = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const { $schema: _dialect, $defs, ...rest } = converted as Json & { $defs?: Json };
  for (const [name, definition] of Object.entries($defs ?? {})) components[name] = definition;
  const id = z.globalRegistry.get(schema)?.id;
  let result: Json = rest;
  if (id !== undefined) {
    // A schema with an id comes back as a $ref into its own $defs, or inline: a component either way.
    if (!('$ref' in rest)) components[id] = rest;
    result = { $ref: `${COMPONENTS}${id}` };
  }
  return result;
}

function schemaOf(spec: Partial<BodySpec>, components: Json): Json {
  const schema: Json =
    spec.binary === true
      ? { type: 'string', format: 'binary' }
      : spec.schema === undefined
        ? { type: 'string' }
        : jsonSchema(spec.schema, components);
  return spec.array === true ? { type: 'array', items: schema } : schema;
}

function content(spec: Partial<BodySpec>, components: Json): Json | undefined {
  if (spec.contentType === undefined) return undefined;
  const schema = schemaOf(spec, components);
  return {
    [spec.contentType]: { schema },
    ...(spec.anyContentType === true ? { '*/*': { schema } } : {}),
  };
}

/** Every problem code a client can see (domain-error.ts). */
const ERROR_CODES: readonly string[] = [...DOMAIN_ERROR_CODES, ...TRANSPORT_ERROR_CODES];

/** The members a problem adds for some codes (error-problem.ts, and DELETE /files' namedBy). */
const problemDocumentSchema = problemSchema.extend({
  reason: z.string().optional().meta({
    description:
      'invalid-image: why the image was refused (bad-magic, truncated, sha256-mismatch, ...); untrusted-signature: unsigned, signature-does-not-verify, untrusted-key or scheme-not-supported.',
  }),
  namedBy: z.array(z.string()).optional().meta({
    description:
      'file-in-use on DELETE /files: the device ids of the rows that name the file (absent when the file is the target of a rollout not yet ended).',
  }),
  signatures: z
    .array(signatureFactSchema)
    .optional()
    .meta({ description: "untrusted-signature: the image's signature blocks, in sector order." }),
});

/** Members a problem always has with a code: `if code is X then these are present`. */
const REQUIRED_WITH_CODE: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['invalid-rollout', ['problems']],
  ['invalid-image', ['reason']],
  ['untrusted-signature', ['reason', 'signatures']],
];

/** The shared Problem schema: problemSchema with its codes, extension members and their rules. */
function problemComponent(components: Json): Json {
  const converted = jsonSchema(problemDocumentSchema, components) as Json & { properties: Record<string, Json> };
  return {
    ...converted,
    properties: {
      ...converted.properties,
      type: { ...converted.properties.type, pattern: '^urn:fuota:problem:[a-z-]+$' },
      code: { ...converted.properties.code, enum: ERROR_CODES, description: 'The stable reason.' },
      status: { ...converted.properties.status, description: 'The HTTP status, as the answer has it.' },
    },
    required: ['type', 'title', 'status', 'code', 'detail'],
    allOf: REQUIRED_WITH_CODE.map(([code, members]) => ({
      if: { properties: { code: { const: code } }, required: ['code'] },
      then: { required: members },
    })),
    description:
      'An RFC 9457 problem document (application/problem+json), the body of every error: code is the stable reason; some codes add members (problems, reason, signatures, namedBy).',
  };
}

/** An error status's body: the shared problem, with this status and these codes. */
function problemContent(status: number, codes: readonly string[] | undefined): Json {
  const specific: Json = {
    properties: {
      status: { const: status },
      ...(codes === undefined ? {} : { code: { enum: [...codes] } }),
    },
  };
  return { [PROBLEM_TYPE]: { schema: { allOf: [{ $ref: `${COMPONENTS}Problem` }, specific] } } };
}

/** The errors many operations share, as components/responses. */
const SHARED_RESPONSES: Readonly<Record<string, { status: number | 'default'; spec: ResponseSpec }>> = {
  Forbidden: {
    status: 403,
    spec: {
      description:
        'Missing or wrong credentials (unauthenticated; never 401: esp32-fuota reboots on it), a device credential on an operator operation (operator-only), a dashboard session cookie that names no live session (session-expired), or a change made with the session cookie without its X-CSRF-Token (csrf-token-mismatch).',
      codes: ['unauthenticated', 'operator-only', 'session-expired', 'csrf-token-mismatch'],
    },
  },
  Unauthenticated: {
    status: 403,
    spec: {
      description:
        'Missing or wrong credentials (unauthenticated; never 401: esp32-fuota reboots on it), or a dashboard session cookie that names no live session (session-expired, where the cookie is taken).',
      codes: ['unauthenticated', 'session-expired'],
    },
  },
  TooManyFailedAuthentications: {
    status: 429,
    spec: {
      description:
        'Too many failed authentications from this address (and user name); see Retry-After (code too-many-failed-authentications).',
      codes: ['too-many-failed-authentications'],
    },
  },
  StorageUnavailable: {
    status: 503,
    spec: {
      description:
        'storage-unavailable: the database or the object store cannot be reached right now (Retry-After: 5); nothing wrong with the request. authentication-busy: too many password checks wait already, the credential was not looked at (Retry-After: 5).',
      codes: ['storage-unavailable', 'authentication-busy'],
    },
  },
  StorageFull: {
    status: 507,
    spec: {
      description: 'storage-full: the disk (or a quota) is full; the change was not made.',
      codes: ['storage-full'],
    },
  },
  Error: {
    status: 'default',
    spec: {
      description:
        'Any other error, as a problem document: 404 route-not-found, 405 method-not-allowed (with Allow), 500 internal-error, ...',
    },
  },
};

function sharedResponses(): Json {
  return Object.fromEntries(
    Object.entries(SHARED_RESPONSES).map(([name, { status, spec }]) => [
      name,
      {
        description: spec.description,
        content:
          status === 'default'
            ? { [PROBLEM_TYPE]: { schema: { $ref: `${COMPONENTS}Problem` } } }
            : problemContent(status, spec.codes),
      },
    ]),
  );
}

/**
 * A response: its own body for a success (and for an error that declares one: /healthz's 503),
 * a problem document for an error. A HEAD answer has no body, only the GET's headers.
 */
function response(status: string, spec: ResponseSpec, head: boolean, components: Json): Json {
  const error = Number(status) >= 400;
  let body: Json | undefined;
  if (!head) {
    body =
      error && spec.contentType === undefined ? problemContent(Number(status), spec.codes) : content(spec, components);
  }
  const description = head && error ? `${spec.description} (No body: HEAD.)` : spec.description;
  return { description, ...(body === undefined ? {} : { content: body }) };
}

/** A shared response by reference; inline and without its body on a HEAD operation. */
function shared(name: keyof typeof SHARED_RESPONSES, head: boolean): Json {
  const { spec } = SHARED_RESPONSES[name] ?? { spec: { description: '' } };
  return head ? { description: `${spec.description} (No body: HEAD.)` } : { $ref: `${RESPONSES}${name}` };
}

function operation(op: ApiOperation, components: Json): Json {
  const head = op.method === 'head';
  const parameters = [
    ...Object.entries(op.pathParams ?? {}).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: jsonSchema(schema, components),
    })),
    ...Object.entries(op.query ?? {}).map(([name, { schema, required }]) => ({
      name,
      in: 'query',
      required,
      schema: jsonSchema(schema, components),
    })),
    ...(op.headers ?? []).map((name) => {
      const spec: HeaderSpec = REQUEST_HEADERS[name];
      return {
        name,
        in: 'header',
        required: false,
        description: spec.description,
        schema: spec.schema === undefined ? { type: 'string' } : jsonSchema(spec.schema, components),
      };
    }),
  ];
  const responses: Json = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    responses[status] = response(status, spec, head, components);
  }
  // The errors every authenticated operation may answer.
  if (op.access !== 'public') {
    responses['403'] ??= shared(op.access === 'operator' ? 'Forbidden' : 'Unauthenticated', head);
    responses['429'] ??= shared('TooManyFailedAuthentications', head);
    // Every authenticated operation reads or writes the storage.
    responses['503'] ??= shared('StorageUnavailable', head);
  }
  if (op.writes ?? !(op.method === 'get' || op.method === 'head')) responses['507'] ??= shared('StorageFull', head);
  responses.default = shared('Error', head);
  const { requestBody } = op;
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(requestBody === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            ...(requestBody.description === undefined ? {} : { description: requestBody.description }),
            content: content(requestBody, components),
          },
        }),
    responses,
    security:
      op.access === 'public'
        ? []
        : op.access === 'operator'
          ? [{ basic: [] }, { dashboardSession: [] }]
          : [{ basic: [] }, { deviceCertificate: [] }],
    ...(op.access === 'operator' ? { 'x-fuota-role': 'operator' } : {}),
  };
}

type SchemaObject = Json & { properties?: Record<string, Json> };

/** Adds `rules` to a property of a component, when both are there. */
function constrain(components: Json, component: string, property: string, rules: Json): void {
  const properties = (components[component] as SchemaObject | undefined)?.properties;
  const current = properties?.[property];
  if (properties === undefined || current === undefined) return;
  // A rule given as undefined removes that keyword (a `type` an anyOf replaces).
  const merged = Object.entries({ ...current, ...rules }).filter(([, value]) => value !== undefined);
  properties[property] = Object.fromEntries(merged);
}

const PERCENT = {
  type: 'number',
  exclusiveMinimum: 0,
  maximum: 100,
  description: 'A percentage above 0 and at most 100, in steps of 0.01.',
};
const COUNT = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
/** A name: 1-100 characters, not only white space, no control characters (rollout-validation.ts). */
const NAME_PATTERN = String.raw`^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$`;
/** rollout-validation.ts: a year of soak, ten years in the penalty box. */
const MAX_SOAK_MINUTES = 525_600;
const MAX_PENALTY_HOURS = 87_600;

/**
 * The value rules of a rollout definition, created or patched. The body schemas (rollout-schemas.ts)
 * check only the JSON's types and leave the values to the domain (rollout-validation.ts,
 * selector-validation.ts), which answers 400 invalid-rollout naming each field: the document
 * states the domain's rules, so that a client can know them before it is refused.
 */
function withRolloutRules(components: Json): void {
  for (const component of ['RolloutDefinition', 'RolloutPatch']) {
    constrain(components, component, 'name', {
      minLength: 1,
      maxLength: MAX_NAME_LENGTH,
      pattern: NAME_PATTERN,
      description: `1-${MAX_NAME_LENGTH} characters (counted in UTF-16 code units, as JavaScript counts them: a character beyond U+FFFF counts twice), not only white space, no control characters.`,
    });
    constrain(components, component, 'file', {
      maxLength: UPDATE_FILE_PATH_MAX_LENGTH,
      pattern: UPDATE_FILE_PATH_PATTERN.source,
      description: 'The stored valid image offered (its update file path).',
    });
    constrain(components, component, 'waves', {
      minItems: 1,
      maxItems: MAX_WAVES,
      items: PERCENT,
      description: `1-${MAX_WAVES} cumulative percentages of the selected devices, strictly increasing, each above 0 and at most 100 in steps of 0.01 (default [1,10,50,100]).`,
    });
    constrain(components, component, 'maxInFlight', COUNT);
    constrain(components, component, 'maxOffersPerMinute', COUNT);
    constrain(components, component, 'priority', {
      type: 'integer',
      minimum: Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  }
  constrain(components, 'RolloutAdvance', 'successPercent', PERCENT);
  constrain(components, 'RolloutAdvance', 'minResolved', COUNT);
  constrain(components, 'RolloutAdvance', 'soakMinutes', { minimum: 0, maximum: MAX_SOAK_MINUTES });
  constrain(components, 'RolloutHalt', 'failurePercent', PERCENT);
  constrain(components, 'RolloutHalt', 'failureCount', COUNT);
  constrain(components, 'RolloutHalt', 'minResolved', COUNT);
  constrain(components, 'RolloutPenalty', 'failures', COUNT);
  constrain(components, 'RolloutPenalty', 'hours', { exclusiveMinimum: 0, maximum: MAX_PENALTY_HOURS });
  const tags = { maxItems: MAX_SELECTOR_TAGS, items: { type: 'string', pattern: TAG_PATTERN.source } };
  constrain(components, 'RolloutSelector', 'tagsAll', tags);
  constrain(components, 'RolloutSelector', 'tagsAny', tags);
  constrain(components, 'RolloutSelector', 'devices', {
    maxItems: MAX_SELECTOR_DEVICES,
    items: { type: 'string', pattern: DEVICE_ID_PATTERN.source },
  });
  constrain(components, 'RolloutSelector', 'versions', {
    anyOf: [
      { type: 'string', description: 'A semver range.' },
      {
        type: 'array',
        maxItems: MAX_SELECTOR_VERSIONS,
        items: { type: 'string', pattern: APP_VERSION_PATTERN.source },
      },
      { type: 'null' },
    ],
  });
  constrain(components, 'RolloutSelector', 'project', {
    anyOf: [{ type: 'string', minLength: 1, maxLength: MAX_PROJECT_LENGTH }, { type: 'null' }],
    type: undefined,
  });
  constrain(components, 'RolloutSelector', 'chip', {
    anyOf: [{ type: 'string', enum: [...new Set(Object.values(ESP_CHIPS))] }, { type: 'null' }],
    type: undefined,
  });
}

/**
 * What a wave's `attempts` count (RolloutLedger.waveCounts): devices by their latest attempt,
 * not attempts, which rollout-schemas.ts leaves unsaid.
 */
function withWaveCounts(components: Json): void {
  const waves = (components.Rollout as SchemaObject | undefined)?.properties?.waves as
    { items?: SchemaObject } | undefined;
  const wave = waves?.items?.properties;
  if (wave?.attempts === undefined) return;
  wave.attempts = {
    ...wave.attempts,
    description:
      "The devices whose latest attempt of this rollout was offered in this wave, by that attempt's state (every state present, 0 when none): a device offered again after a refusal counts once, by its latest attempt. Not cumulative, unlike devices.",
  };
}

const INFO_DESCRIPTION = [
  'HTTPS firmware-update server for ESP32 fleets; a drop-in replacement for docker-fuota-server.',
  'Every error (4xx, 5xx) is an RFC 9457 problem document (application/problem+json, components/schemas/Problem) with a stable code; each response lists the codes it carries. HEAD answers carry the GET\u2019s status and headers, never a body.',
  'Every path here but /healthz also answers OPTIONS (with any credential) with 200 and Allow listing its methods; another method is 405 method-not-allowed with Allow, a path no route knows 404 route-not-found.',
  'On the /api/v1 operations an empty query value (?search=, ?state=, ?after=) is taken as absent; an unknown or repeated query field is 400 invalid-query.',
].join('\n\n');

/** The OpenAPI 3.1 document of the whole API, built from the operations and their zod schemas. */
export function openApiDocument(version: string): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const op of API_OPERATIONS) {
    const key = openApiPath(op.route);
    paths[key] = { ...(paths[key] ?? {}), [op.method]: operation(op, components) };
  }
  components.Problem = problemComponent(components);
  withRolloutRules(components);
  withWaveCounts(components);
  const document = {
    openapi: '3.1.0',
    info: { title: 'fuota', version, description: INFO_DESCRIPTION },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      responses: sharedResponses(),
      securitySchemes: {
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Shared, operator or per-device credentials (username = device id).',
        },
        dashboardSession: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-fuota_session',
          description:
            "The dashboard's session (POST /api/v1/session); a change made with it also needs the session's token in X-CSRF-Token.",
        },
        deviceCertificate: {
          type: 'mutualTLS',
          description: 'A client certificate from FUOTA_TLS_CLIENT_CA whose CN is the device id.',
        },
      },
    },
  };
  // zod refers to shared schemas as `#/$defs/<id>`; in OpenAPI they live under components.
  return JSON.parse(JSON.stringify(document).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as Json;
}
