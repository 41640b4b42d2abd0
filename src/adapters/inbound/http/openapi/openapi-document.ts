import { z } from 'zod';
import { problemSchema } from '../api-schemas.js';
import type { ApiOperation, BodySpec } from './api-operations.js';
import { API_OPERATIONS } from './api-operations.js';

type Json = Record<string, unknown>;
const COMPONENTS = '#/components/schemas/';

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

function content(spec: Partial<BodySpec>, components: Json): Json | undefined {
  if (spec.contentType === undefined) return undefined;
  let schema: Json =
    spec.binary === true
      ? { type: 'string', format: 'binary' }
      : spec.schema === undefined
        ? { type: 'string' }
        : jsonSchema(spec.schema, components);
  if (spec.array === true) schema = { type: 'array', items: schema };
  return { [spec.contentType]: { schema } };
}

function operation(op: ApiOperation, components: Json): Json {
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
    ...(op.headers ?? []).map((name) => ({ name, in: 'header', required: false, schema: { type: 'string' } })),
  ];
  const responses: Json = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    const body = content(spec, components);
    responses[status] = { description: spec.description, ...(body === undefined ? {} : { content: body }) };
  }
  // Errors carry a problem document; the generic ones every authenticated operation may answer.
  const problem = { content: { 'application/problem+json': { schema: jsonSchema(problemSchema, components) } } };
  if (op.access !== 'public') {
    responses['403'] ??= {
      description:
        'Missing or wrong credentials (never 401: esp32-fuota reboots on it), or a device credential on an operator operation.',
      ...problem,
    };
    responses['429'] ??= {
      description: 'Too many failed authentications from this address; see Retry-After.',
      ...problem,
    };
    // Every authenticated operation reads or writes the storage.
    responses['503'] ??= {
      description:
        'storage-unavailable: the database or the object store cannot be reached right now (Retry-After: 5); nothing wrong with the request. ' +
        'On rollout actions, rollout-busy: another server kept the rollout locked for 5 s; nothing was changed.',
      ...problem,
    };
  }
  responses.default = { description: 'An error, as a problem document.', ...problem };
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(op.requestBody === undefined
      ? {}
      : { requestBody: { required: true, content: content(op.requestBody, components) } }),
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

/** The OpenAPI 3.1 document of the whole API, built from the operations and their zod schemas. */
export function openApiDocument(version: string): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const op of API_OPERATIONS) {
    const key = openApiPath(op.route);
    paths[key] = { ...(paths[key] ?? {}), [op.method]: operation(op, components) };
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'fuota',
      version,
      description: 'HTTPS firmware-update server for ESP32 fleets; a drop-in replacement for docker-fuota-server.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
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
