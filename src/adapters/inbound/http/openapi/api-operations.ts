import type { z } from 'zod';
import {
  keyDigestParamSchema,
  removedSigningKeySchema,
  signingKeyInputSchema,
  signingKeySchema,
} from '../signing-key-schemas.js';
import {
  appVersionSchema,
  deltaBaseQuerySchema,
  deltaFormatQuerySchema,
  credentialStatusSchema,
  deletedUpdateFileSchema,
  deviceIdSchema,
  deviceRecordCsvSchema,
  deviceRecordSchema,
  forceFlagSchema,
  healthSchema,
  provisionedCredentialSchema,
  updateFilePathSchema,
  updateFileDetailSchema,
  updateFileViewSchema,
  validateFlagSchema,
} from '../api-schemas.js';
import {
  bulkTagResultSchema,
  bulkTagSchema,
  cursorSchema,
  deviceChangeSchema,
  eventCursorSchema,
  eventPageSchema,
  eventTypeSchema,
  fleetSummarySchema,
  inventoryDeviceDetailSchema,
  inventoryDeviceSchema,
  inventoryFilterFields,
  inventoryPageSchema,
  limitSchema,
} from '../fleet-schemas.js';
import { sessionSchema, signInSchema } from '../session-schemas.js';
import { deltaIdParamSchema, deltaListingSchema, deltaMakeSchema, deltaPatchSchema } from '../delta-schemas.js';
import { AUDIT_PAGE, auditCursorSchema, auditPageSchema } from '../audit-schemas.js';
import {
  attemptStateQuerySchema,
  devicePenaltiesSchema,
  rolloutDeviceListSchema,
  rolloutIdSchema,
  rolloutInputSchema,
  rolloutListSchema,
  rolloutPatchSchema,
  rolloutPreviewSchema,
  rolloutStateQuerySchema,
  rolloutViewSchema,
} from '../rollout-schemas.js';
import { ROLLOUT_OPERATOR_ACTIONS } from '../../../../app/rollout/rollout-operations.js';
import type { RolloutOperatorAction } from '../../../../app/rollout/rollout-operations.js';

/** A body: a schema (JSON or text), or raw bytes. */
export interface BodySpec {
  readonly contentType: string;
  readonly schema?: z.ZodType;
  readonly binary?: boolean;
  readonly array?: boolean;
}

export interface ResponseSpec extends Partial<BodySpec> {
  readonly description: string;
}

/** One operation of the API, as the OpenAPI document describes it. */
export interface ApiOperation {
  readonly method: 'get' | 'head' | 'put' | 'post' | 'patch' | 'delete';
  /** The Koa route pattern (`/devices/:id`, `/files/*path`). */
  readonly route: string;
  readonly operationId: string;
  readonly summary: string;
  /** `public`: no credential; `any`: device or operator; `operator`: operators only. */
  readonly access: 'public' | 'any' | 'operator';
  readonly pathParams?: Readonly<Record<string, z.ZodType>>;
  readonly query?: Readonly<Record<string, { schema: z.ZodType; required: boolean }>>;
  readonly headers?: readonly string[];
  readonly requestBody?: BodySpec;
  readonly responses: Readonly<Record<string, ResponseSpec>>;
}

const id = { id: deviceIdSchema };
const path = { path: updateFilePathSchema };
const csv = { contentType: 'text/csv' };
const bytes = { contentType: 'application/octet-stream', binary: true };
const json = (schema: z.ZodType, array = false) => ({ contentType: 'application/json', schema, array });
const download = ['Range', 'If-None-Match', 'If-Range', 'Fuota-Probe'];
/** An operator asking as a device would (docs/api.md, Operator probes). */
const probe = ['Fuota-Probe'];

const rolloutId = { id: rolloutIdSchema };
const NOT_FOUND = { description: 'No such rollout (code rollout-not-found).' };
const JSON_BODY_ERRORS = {
  413: { description: 'The body is over 2 MB (code payload-too-large).' },
  415: { description: 'The body is not sent as application/json (code unsupported-media-type).' },
};
const INVALID = {
  description:
    'The definition is not valid (code invalid-rollout): problems lists every bad field as { path, message } (a field of the wrong type, an unknown field, a wave list that is not increasing, an unknown or unstored file, a file that is not a valid image, an image not signed by a trusted key while trusted signing keys are set, ...). An empty body or one that is not JSON: invalid-request.',
};

const ACTION_SUMMARIES: Readonly<Record<RolloutOperatorAction, string>> = {
  start: 'Starts a draft: its first wave is offered.',
  pause: 'Pauses a running rollout: no offers (nor re-offers) until resumed.',
  resume: 'Resumes a paused or halted rollout; failures count afresh from now.',
  advance: 'Moves a running or paused rollout to its next wave (past the last: completed).',
  abort: 'Ends a rollout for good (draft, running, paused or halted): it makes no more offers.',
};

/** The rollouts (issue 17) and a device's penalty box. */
function rolloutOperations(): ApiOperation[] {
  return [
    {
      method: 'post',
      route: '/api/v1/rollouts',
      operationId: 'createRollout',
      access: 'operator',
      summary: 'Creates a rollout as a draft (absent fields take the documented defaults).',
      requestBody: json(rolloutInputSchema),
      responses: {
        201: { description: 'Created (Location: its URL); the rollout as read back.', ...json(rolloutViewSchema) },
        400: INVALID,
        ...JSON_BODY_ERRORS,
      },
    },
    {
      method: 'get',
      route: '/api/v1/rollouts',
      operationId: 'listRollouts',
      access: 'operator',
      summary: 'Every rollout, newest first, optionally of one state.',
      query: { state: { schema: rolloutStateQuerySchema, required: false } },
      responses: {
        200: { description: 'The rollouts.', ...json(rolloutListSchema) },
        400: { description: 'A query field is not valid (code invalid-query).' },
      },
    },
    {
      method: 'get',
      route: '/api/v1/rollouts/:id',
      operationId: 'getRollout',
      access: 'operator',
      summary: 'One rollout: its definition, state, per-wave counts by attempt state, in-flight vs cap, halt reason.',
      pathParams: rolloutId,
      responses: { 200: { description: 'The rollout.', ...json(rolloutViewSchema) }, 404: NOT_FOUND },
    },
    {
      method: 'patch',
      route: '/api/v1/rollouts/:id',
      operationId: 'changeRollout',
      access: 'operator',
      summary: 'Changes the definition of a draft or paused rollout (a JSON merge patch: absent fields stay).',
      pathParams: rolloutId,
      requestBody: json(rolloutPatchSchema),
      responses: {
        200: { description: 'The rollout as changed.', ...json(rolloutViewSchema) },
        400: INVALID,
        404: NOT_FOUND,
        409: { description: 'The rollout is neither a draft nor paused (code rollout-state-conflict).' },
        ...JSON_BODY_ERRORS,
      },
    },
    {
      method: 'post',
      route: '/api/v1/rollouts/preview',
      operationId: 'previewRolloutDefinition',
      access: 'operator',
      summary:
        'The preview of a definition not yet created: exclusions by rule exactly, waves drawn with a stand-in id (within sampling noise of the created rollout).',
      requestBody: json(rolloutInputSchema),
      responses: {
        200: { description: 'The preview.', ...json(rolloutPreviewSchema) },
        400: { description: 'The definition is not valid (code invalid-rollout, every bad field in problems).' },
      },
    },
    {
      method: 'post',
      route: '/api/v1/rollouts/:id/preview',
      operationId: 'previewRollout',
      access: 'operator',
      summary: 'How many devices each wave holds now, and how many each rule excludes (nothing changes).',
      pathParams: rolloutId,
      responses: { 200: { description: 'The preview.', ...json(rolloutPreviewSchema) }, 404: NOT_FOUND },
    },
    ...ROLLOUT_OPERATOR_ACTIONS.map((action): ApiOperation => ({
      method: 'post',
      route: `/api/v1/rollouts/:id/${action}`,
      operationId: `${action}Rollout`,
      access: 'operator',
      summary: ACTION_SUMMARIES[action],
      pathParams: rolloutId,
      responses: {
        200: { description: 'The rollout after the action.', ...json(rolloutViewSchema) },
        ...(action === 'start' || action === 'resume'
          ? {
              400: {
                description:
                  'Trusted signing keys are set and the target image is not signed by one of them, or it is no longer a stored valid image (code invalid-rollout).',
              },
            }
          : {}),
        404: NOT_FOUND,
        409: {
          description:
            "Not allowed in the rollout's state (code rollout-state-conflict) or at its current wave (code rollout-wave-conflict).",
        },
      },
    })),
    {
      method: 'get',
      route: '/api/v1/rollouts/:id/devices',
      operationId: 'listRolloutDevices',
      access: 'operator',
      summary: 'The devices the rollout made offers to, with their latest attempt of it.',
      pathParams: rolloutId,
      query: { state: { schema: attemptStateQuerySchema, required: false } },
      responses: {
        200: { description: 'The devices.', ...json(rolloutDeviceListSchema) },
        400: { description: 'A query field is not valid (code invalid-query).' },
        404: NOT_FOUND,
      },
    },
    {
      method: 'get',
      route: '/api/v1/devices/:id/penalty',
      operationId: 'getDevicePenalty',
      access: 'operator',
      summary: "A device's penalty box: the images it is not offered for now, and until when.",
      pathParams: id,
      responses: {
        200: { description: 'Its penalties (empty: none).', ...json(devicePenaltiesSchema) },
        404: { description: 'The device has never checked (code device-not-found).' },
      },
    },
    {
      method: 'delete',
      route: '/api/v1/devices/:id/penalty',
      operationId: 'clearDevicePenalty',
      access: 'operator',
      summary: "Clears a device's penalty box and its rolled-back versions: both may be offered again.",
      pathParams: id,
      responses: {
        204: { description: 'Cleared.' },
        404: { description: 'The device has never checked (code device-not-found).' },
      },
    },
  ];
}

/**
 * Every operation the server answers. The router's routes are checked against this list by a
 * test, so a route cannot be added without describing it.
 */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get',
    route: '/devices/:id',
    operationId: 'checkForUpdate',
    access: 'any',
    summary: 'A device asks whether there is an update for the version it runs.',
    pathParams: id,
    headers: probe,
    query: {
      app_ver: { schema: appVersionSchema, required: true },
      delta: { schema: deltaFormatQuerySchema, required: false },
      base: { schema: deltaBaseQuerySchema, required: false },
    },
    responses: {
      200: {
        description:
          'The bare update path (no quotes, no newline), with X-Firmware-Size, -SHA256, -Version. With delta= and a patch ready from base: the patch path (.delta/<id>, or .offer/<attempt>/.delta/<id>), with X-Delta-Format and X-Delta-Base-SHA256; X-Firmware-* describe the full image it rebuilds.',
        ...csv,
      },
      204: { description: "The device is known and runs another version than its row's." },
      400: {
        description:
          'app_ver missing, empty, repeated or invalid, or a malformed id; delta without base, a malformed base, or either repeated (invalid-query).',
      },
      404: { description: 'Unknown device, or its update file is not stored.' },
    },
  },
  {
    method: 'head',
    route: '/devices/:id',
    operationId: 'checkForUpdateHead',
    access: 'any',
    summary: "The check's answer without its body.",
    pathParams: id,
    headers: probe,
    query: {
      app_ver: { schema: appVersionSchema, required: true },
      delta: { schema: deltaFormatQuerySchema, required: false },
      base: { schema: deltaBaseQuerySchema, required: false },
    },
    responses: {
      200: { description: 'An update is offered.' },
      204: { description: 'No update.' },
      400: { description: 'The same query errors as the GET (invalid-app-version, invalid-query), without a body.' },
      404: { description: 'Unknown device or missing file.' },
    },
  },
  {
    method: 'put',
    route: '/devices/:id',
    operationId: 'assignUpdate',
    access: 'operator',
    summary: "Adds or replaces the device's row (the seed's CSV record).",
    pathParams: id,
    requestBody: { ...csv, schema: deviceRecordCsvSchema },
    responses: {
      200: { description: 'Stored and durable.', ...json(deviceRecordSchema) },
      400: { description: "Not exactly one record of 3 valid fields, or the id differs from the path's." },
      409: { description: 'The file is an image of the version the row updates from (a reinstall loop).' },
    },
  },
  {
    method: 'delete',
    route: '/devices/:id',
    operationId: 'removeDevice',
    access: 'operator',
    summary: "Deletes the device's row (the file stays stored).",
    pathParams: id,
    responses: { 200: { description: 'Deleted.' }, 404: { description: 'No such row.' } },
  },
  {
    method: 'get',
    route: '/devices',
    operationId: 'listDevices',
    access: 'operator',
    summary: 'Every row as seed CSV, sorted by device id.',
    responses: { 200: { description: '"<device_id>","<app_ver>","<update_file_path>" lines.', ...csv } },
  },
  {
    method: 'get',
    route: '/files/*path',
    operationId: 'downloadFile',
    access: 'any',
    summary:
      'Downloads an update file, or a patch a check named (.delta/<id>, .offer/<attempt>/.delta/<id>): whole, one range, or conditionally (ETag = SHA-256).',
    pathParams: path,
    headers: download,
    responses: {
      200: { description: 'The file.', ...bytes },
      206: { description: 'The requested range, with Content-Range.', ...bytes },
      304: { description: 'If-None-Match matched the ETag.' },
      404: {
        description:
          'No such file or patch (or, for a device with its own credential, not its file, nor the patch its attempt was offered).',
      },
      416: { description: 'The range lies outside the file; Content-Range: bytes */<size>.' },
    },
  },
  {
    method: 'head',
    route: '/files/*path',
    operationId: 'describeFile',
    access: 'any',
    summary: "The download's headers (Content-Length, ETag, Accept-Ranges) without the bytes.",
    pathParams: path,
    headers: download,
    responses: { 200: { description: 'The file exists.' }, 404: { description: 'No such file.' } },
  },
  {
    method: 'put',
    route: '/files/*path',
    operationId: 'uploadFile',
    access: 'operator',
    summary: 'Stores an update file (streamed, hashed, fsynced, then published whole).',
    pathParams: path,
    query: { validate: { schema: validateFlagSchema, required: false } },
    requestBody: bytes,
    responses: {
      200: { description: 'Stored and durable.', ...json(updateFileViewSchema) },
      400: { description: 'Malformed path, or the upload ended early.' },
      409: { description: 'The path collides with a directory or a file in the store.' },
      413: { description: 'Larger than FUOTA_MAX_UPLOAD_BYTES.' },
      415: { description: 'A multipart form (curl -F): the body must be the file itself.' },
      422: { description: 'Not a valid ESP-IDF application image; reason says why.' },
      507: { description: 'The disk (or a quota) filled up; nothing was stored, the previous version stays.' },
    },
  },
  {
    method: 'delete',
    route: '/files/*path',
    operationId: 'deleteFile',
    access: 'operator',
    summary: 'Deletes a stored file (durably), unless device rows name it and force is not given.',
    pathParams: path,
    query: { force: { schema: forceFlagSchema, required: false } },
    responses: {
      200: {
        description: 'Deleted; what the file was, and the rows that still name it.',
        ...json(deletedUpdateFileSchema),
      },
      400: { description: 'Malformed path or force value.' },
      404: { description: 'No such file.' },
      409: { description: 'Device rows name the file (code file-in-use; namedBy lists their device ids).' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/files',
    operationId: 'listFiles',
    access: 'operator',
    summary: 'Every stored file with what the server read from it.',
    responses: { 200: { description: 'The files.', ...json(updateFileViewSchema, true) } },
  },
  {
    method: 'get',
    route: '/api/v1/files/*path',
    operationId: 'getFile',
    access: 'operator',
    summary: 'One stored file with what the server read from it, and what uses it (device rows, rollouts).',
    pathParams: path,
    responses: {
      200: { description: 'The file.', ...json(updateFileDetailSchema) },
      404: { description: 'No such file.' },
    },
  },
  {
    method: 'post',
    route: '/api/v1/devices/:id/credentials',
    operationId: 'provisionDeviceCredential',
    access: 'operator',
    summary: 'Gives the device its own credential (replacing any earlier one); the secret is shown once.',
    pathParams: id,
    responses: { 201: { description: 'Provisioned.', ...json(provisionedCredentialSchema) } },
  },
  {
    method: 'get',
    route: '/api/v1/devices/:id/credentials',
    operationId: 'deviceCredentialStatus',
    access: 'operator',
    summary: 'Whether the device has its own credential, and since when.',
    pathParams: id,
    responses: {
      200: { description: 'It has one.', ...json(credentialStatusSchema) },
      404: { description: 'It has none.' },
    },
  },
  {
    method: 'delete',
    route: '/api/v1/devices/:id/credentials',
    operationId: 'revokeDeviceCredential',
    access: 'operator',
    summary: "Revokes the device's own credential.",
    pathParams: id,
    responses: { 200: { description: 'Revoked.' }, 404: { description: 'It had none.' } },
  },
  ...signingKeyOperations(),
  ...deltaOperations(),
  {
    method: 'get',
    route: '/api/v1/devices',
    operationId: 'listInventory',
    access: 'operator',
    summary: 'The devices that have checked (and their current update attempts), filtered, in pages of at most 1,000.',
    query: {
      ...Object.fromEntries(
        Object.entries(inventoryFilterFields).map(([name, schema]) => [name, { schema, required: false }]),
      ),
      cursor: { schema: cursorSchema, required: false },
      limit: { schema: limitSchema(1000), required: false },
    },
    responses: {
      200: { description: 'A page of devices.', ...json(inventoryPageSchema) },
      400: { description: 'A query field is not valid (code invalid-query).' },
    },
  },
  {
    method: 'post',
    route: '/api/v1/devices/tags',
    operationId: 'tagDevices',
    access: 'operator',
    summary: 'Adds and removes tags on the devices listed, or on every device a filter picks.',
    requestBody: json(bulkTagSchema),
    responses: {
      200: { description: 'How many devices matched and changed.', ...json(bulkTagResultSchema) },
      400: { description: 'The body is not valid (code invalid-request).' },
      413: { description: 'The body is over 2 MB (code payload-too-large).' },
      415: { description: 'The body is not sent as application/json (code unsupported-media-type).' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/devices/:id',
    operationId: 'getInventoryDevice',
    access: 'operator',
    summary: 'One device: what its checks show, its device row, its last 10 attempts and newest events.',
    pathParams: id,
    responses: {
      200: { description: 'The device.', ...json(inventoryDeviceDetailSchema) },
      404: { description: 'The device has never checked (code device-not-found).' },
    },
  },
  {
    method: 'patch',
    route: '/api/v1/devices/:id',
    operationId: 'changeInventoryDevice',
    access: 'operator',
    summary: "Changes a device's tags, hold or note.",
    pathParams: id,
    requestBody: json(deviceChangeSchema),
    responses: {
      200: { description: 'The device as changed.', ...json(inventoryDeviceSchema) },
      400: { description: 'The body is not valid (code invalid-request).' },
      404: { description: 'The device has never checked (code device-not-found).' },
      413: { description: 'The body is over 2 MB (code payload-too-large).' },
      415: { description: 'The body is not sent as application/json (code unsupported-media-type).' },
    },
  },
  {
    method: 'delete',
    route: '/api/v1/devices/:id',
    operationId: 'forgetInventoryDevice',
    access: 'operator',
    summary: "Forgets a device's inventory entry, attempts and events (not its device row).",
    pathParams: id,
    responses: {
      200: { description: 'Forgotten.' },
      404: { description: 'The device is not in the inventory (code device-not-found).' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/fleet',
    operationId: 'fleetSummary',
    access: 'operator',
    summary: 'The fleet at a glance: devices, seen windows, overdue, unassigned, versions, attempts by state.',
    responses: { 200: { description: 'The summary.', ...json(fleetSummarySchema) } },
  },
  {
    method: 'get',
    route: '/api/v1/events',
    operationId: 'listEvents',
    access: 'operator',
    summary:
      'Fleet events ascending by seq, after a cursor (or among the latest N of the log), optionally of one device, one rollout or one type.',
    query: {
      after: { schema: eventCursorSchema, required: false },
      latest: {
        schema: limitSchema(1000).meta({
          description: "Instead of after: the events among the log's last N (those that match the filters).",
        }),
        required: false,
      },
      device: { schema: deviceIdSchema, required: false },
      rollout: { schema: rolloutIdSchema, required: false },
      type: { schema: eventTypeSchema, required: false },
      limit: { schema: limitSchema(1000), required: false },
    },
    responses: {
      200: { description: 'A page of events.', ...json(eventPageSchema) },
      400: { description: 'A query field is not valid (code invalid-query).' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/events/stream',
    operationId: 'streamEvents',
    access: 'operator',
    summary:
      'Fleet events live, as Server-Sent Events (id = seq); Last-Event-ID or after replays what was missed first.',
    query: {
      after: { schema: eventCursorSchema, required: false },
      device: { schema: deviceIdSchema, required: false },
      rollout: { schema: rolloutIdSchema, required: false },
      type: { schema: eventTypeSchema, required: false },
    },
    headers: ['Last-Event-ID'],
    responses: { 200: { description: 'The event stream.', contentType: 'text/event-stream' } },
  },
  ...rolloutOperations(),
  {
    method: 'get',
    route: '/api/v1/audit',
    operationId: 'listAuditRecords',
    access: 'operator',
    summary: 'Every operator change (who, what, when, from where), ascending by seq, after a cursor.',
    query: {
      latest: {
        schema: limitSchema(AUDIT_PAGE).meta({
          description: "Instead of after: the records among the log's last N seqs (fewer where an append failed).",
        }),
        required: false,
      },
      after: { schema: auditCursorSchema, required: false },
      limit: { schema: limitSchema(AUDIT_PAGE), required: false },
    },
    responses: {
      200: { description: 'A page of audit records.', ...json(auditPageSchema) },
      400: { description: 'A query field is not valid (code invalid-query).' },
    },
  },
  {
    method: 'post',
    route: '/api/v1/session',
    operationId: 'signIn',
    access: 'public',
    summary:
      'Signs in to the dashboard with an operator credential: sets the session cookie (HttpOnly, Secure, SameSite=Strict) and answers its CSRF token.',
    requestBody: json(signInSchema),
    responses: {
      201: { description: 'Signed in.', ...json(sessionSchema) },
      403: { description: 'Wrong credential (unauthenticated), or a device credential (operator-only).' },
      429: { description: 'Too many failed authentications from this address; see Retry-After.' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/session',
    operationId: 'currentSession',
    access: 'operator',
    summary: "The dashboard session the request's cookie carries.",
    responses: {
      200: { description: 'The session.', ...json(sessionSchema) },
      404: { description: 'The request authenticated otherwise (Basic): it carries no session.' },
    },
  },
  {
    method: 'delete',
    route: '/api/v1/session',
    operationId: 'signOut',
    access: 'operator',
    summary: 'Signs out: the session ends and its cookie is cleared.',
    responses: {
      204: { description: 'Signed out.' },
      404: { description: 'The request authenticated otherwise (Basic): it carries no session.' },
    },
  },
  {
    method: 'get',
    route: '/api/v1/openapi.json',
    operationId: 'openApiDocument',
    access: 'any',
    summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1.', contentType: 'application/json' } },
  },
  {
    method: 'get',
    route: '/metrics',
    operationId: 'metrics',
    access: 'operator',
    summary: 'Prometheus metrics (text exposition format).',
    responses: { 200: { description: 'Metrics.', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    route: '/healthz',
    operationId: 'health',
    access: 'public',
    summary: 'Whether the database and the file store read and write; no credential needed.',
    responses: {
      200: { description: 'Healthy.', ...json(healthSchema) },
      503: { description: 'A part is failing.', ...json(healthSchema) },
    },
  },
];

/** Delta patches (issue 21): listed, made and removed by operators. */
function deltaOperations(): ApiOperation[] {
  return [
    {
      method: 'get',
      route: '/api/v1/deltas',
      operationId: 'listDeltas',
      access: 'operator',
      summary:
        'Every stored delta patch, newest first, and the pairs without one on this server (builds under way, patches not smaller than FUOTA_DELTA_MAX_RATIO, failed builds).',
      responses: { 200: { description: 'The patches and builds.', ...json(deltaListingSchema) } },
    },
    {
      method: 'post',
      route: '/api/v1/deltas',
      operationId: 'makeDelta',
      access: 'operator',
      summary:
        'Makes the patch from base to target now (again, whatever was remembered of the pair), checks that it applies back, and stores it when under FUOTA_DELTA_MAX_RATIO of the target; audited as delta.make.',
      requestBody: json(deltaMakeSchema),
      responses: {
        201: { description: 'The stored patch.', ...json(deltaPatchSchema) },
        400: {
          description:
            'A path is not an update file path (invalid-file-path), a file is not an ESP-IDF image with its SHA-256 appended (not-an-image), both hold the same bytes or the body is not { base, target } (invalid-request).',
        },
        404: { description: 'No file is stored at a path (code file-not-found).' },
        409: {
          description:
            "The base's image digest is also another stored file's (the same image signed twice, say): no patch from it would be offered (code delta-base-ambiguous).",
        },
        422: {
          description:
            'The patch is not under FUOTA_DELTA_MAX_RATIO of the target (delta-not-smaller), or the build failed: time, memory, a patch that did not rebuild the target, delta patches turned off (delta-build-failed).',
        },
        ...JSON_BODY_ERRORS,
      },
    },
    {
      method: 'delete',
      route: '/api/v1/deltas/:id',
      operationId: 'removeDelta',
      access: 'operator',
      summary:
        'Removes a stored patch, also one whose files are gone (devices get the full image for its pair; this server makes it again only when asked, or on an upload or rollout to its target); audited as delta.delete.',
      pathParams: { id: deltaIdParamSchema },
      responses: {
        204: { description: 'Removed.' },
        404: { description: 'No stored patch has that id (code delta-not-found).' },
      },
    },
  ];
}

/** The trusted Secure Boot v2 signing keys (issue 20). */
function signingKeyOperations(): ApiOperation[] {
  const digest = { digest: keyDigestParamSchema };
  return [
    {
      method: 'get',
      route: '/api/v1/signing-keys',
      operationId: 'listSigningKeys',
      access: 'operator',
      summary:
        "The trusted signing keys: the FUOTA_TRUSTED_KEYS file's, then those added here. While there is one, uploads and rollout targets must be signed by one of them.",
      responses: {
        200: { description: 'The keys (empty: signatures are only reported).', ...json(signingKeySchema, true) },
      },
    },
    {
      method: 'post',
      route: '/api/v1/signing-keys',
      operationId: 'addSigningKey',
      access: 'operator',
      summary:
        'Trusts a key from now on (201); a key added before keeps its scheme and addedAt and takes a new name only if one is given (200); audited.',
      requestBody: json(signingKeyInputSchema),
      responses: {
        200: {
          description:
            'The key was already added: it keeps its scheme, addedAt and (unless a new one is given) its name; audited as signing-key.update when the name or scheme changed, not at all otherwise.',
          ...json(signingKeySchema),
        },
        201: { description: 'Added.', ...json(signingKeySchema) },
        400: {
          description:
            'The body is not one of the two shapes: neither or both of publicKey and keyDigest, or an unknown field (code invalid-request).',
        },
        409: { description: 'The key is in the FUOTA_TRUSTED_KEYS file (code signing-key-in-file).' },
        422: {
          description:
            'publicKey is not one PEM Secure Boot v2 public key (RSA-3072, ECDSA P-192/P-256/P-384; a private key, a certificate, several PEM blocks or text that is not PEM are refused), or keyDigest is not a key digest (code invalid-signing-key).',
        },
        ...JSON_BODY_ERRORS,
      },
    },
    {
      method: 'delete',
      route: '/api/v1/signing-keys/:digest',
      operationId: 'removeSigningKey',
      access: 'operator',
      summary:
        'Stops trusting a key added through the API; removing the last trusted key turns the check off. Audited.',
      pathParams: digest,
      responses: {
        200: { description: 'Removed.', ...json(removedSigningKeySchema) },
        404: { description: 'No key added through the API has that digest (code signing-key-not-found).' },
        409: { description: 'The key is in the FUOTA_TRUSTED_KEYS file (code signing-key-in-file).' },
        400: { description: 'The path does not end with a key digest (code invalid-request).' },
      },
    },
  ];
}
