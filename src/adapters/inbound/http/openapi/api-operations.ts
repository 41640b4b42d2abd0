import { z } from 'zod';
import type { ErrorCode } from '../../../../domain/domain-error.js';
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
import { ROLLOUT_ID_RULE } from '../../../../domain/rollout/rollout-id.js';
import { ROLLOUT_ACTION_SOURCES } from '../../../../domain/rollout/rollout-transitions.js';

/** A body: a schema (JSON or text), or raw bytes. */
export interface BodySpec {
  readonly contentType: string;
  readonly schema?: z.ZodType;
  readonly binary?: boolean;
  readonly array?: boolean;
  /** A request body: what it is, when the content type alone does not say. */
  readonly description?: string;
  /** A request body taken whatever its Content-Type (described as the media range any), the declared one included. */
  readonly anyContentType?: boolean;
}

/**
 * One status of an operation. An error (4xx, 5xx) is a problem document (problem.ts) whose
 * `code` is one of `codes`: the document declares that body, not one of its own.
 */
export interface ResponseSpec extends Partial<BodySpec> {
  readonly description: string;
  readonly codes?: readonly ErrorCode[];
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
  /** Request headers it reads, by name (described in REQUEST_HEADERS). */
  readonly headers?: readonly RequestHeader[];
  readonly requestBody?: BodySpec;
  readonly responses: Readonly<Record<string, ResponseSpec>>;
  /**
   * Whether it writes to the database or the file store, and so may be answered 507
   * (storage-full) when the disk fills up. Default: every method but GET and HEAD.
   */
  readonly writes?: boolean;
}

/** A request header an operation reads: what it means, and its values when they are restricted. */
export interface HeaderSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
}

export const REQUEST_HEADERS = {
  Range: {
    description:
      'One range, bytes=a-b, bytes=a- or bytes=-n: 206 with those bytes (an end past the last byte is clamped), 416 past the end. Several ranges, another unit or a malformed value: the whole file (200).',
  },
  'If-None-Match': { description: 'The ETag of a copy held (or *): 304 when it is current.' },
  'If-Range': {
    description:
      'The ETag or Last-Modified of a partial copy: the Range is honoured only while it is current, else the whole file (200).',
  },
  'Fuota-Probe': {
    description:
      'Only the value 1 counts (any other value is ignored): with an operator credential, an operator asking as the device would (docs/api.md, Operator probes): answered as its row says, recorded nowhere. A device credential is a device, header or not.',
    schema: z.enum(['1']),
  },
  'Last-Event-ID': {
    description:
      'The seq of the last event received (browsers send it when they reconnect): the events after it are replayed first; it wins over after. Not a whole number: 400 invalid-query.',
    schema: eventCursorSchema,
  },
} as const satisfies Readonly<Record<string, HeaderSpec>>;
export type RequestHeader = keyof typeof REQUEST_HEADERS;

const id = { id: deviceIdSchema };
const path = { path: updateFilePathSchema };
const csv = { contentType: 'text/csv' };
const bytes = { contentType: 'application/octet-stream', binary: true };
const json = (schema: z.ZodType, array = false) => ({ contentType: 'application/json', schema, array });
const download: RequestHeader[] = ['Range', 'If-None-Match', 'If-Range', 'Fuota-Probe'];
/** An operator asking as a device would (docs/api.md, Operator probes). */
const probe: RequestHeader[] = ['Fuota-Probe'];

/** An error status: its problem codes, and when it is answered. */
const problem = (description: string, ...codes: ErrorCode[]): ResponseSpec => ({ description, codes });

const BAD_DEVICE_ID = problem('The device id in the path is malformed (code invalid-device-id).', 'invalid-device-id');
const BAD_FILE_PATH = problem(
  'The path is not an update file path: an empty or dot segment, a character outside A-Z a-z 0-9 . _ + -, over 200 bytes, a malformed percent-escape (code invalid-file-path).',
  'invalid-file-path',
);
const BAD_QUERY = problem('A query field is unknown, repeated or not valid (code invalid-query).', 'invalid-query');
const NEVER_CHECKED = problem('The device has never checked (code device-not-found).', 'device-not-found');

const rolloutId = { id: rolloutIdSchema };
const NOT_FOUND = problem(
  `No such rollout, also for an id no rollout can have (${ROLLOUT_ID_RULE}) (code rollout-not-found).`,
  'rollout-not-found',
);
const JSON_BODY_ERRORS = {
  413: problem('The body is over 2 MB (code payload-too-large).', 'payload-too-large'),
  415: problem(
    'The body is not sent as application/json, or has no Content-Type (code unsupported-media-type).',
    'unsupported-media-type',
  ),
};
const INVALID = problem(
  'The definition is not valid (code invalid-rollout): problems lists every bad field as { path, message } (a field of the wrong type, an unknown field, a value out of range, a wave list that is not increasing, an unknown or unstored file, a file that is not a valid image, an image not signed by a trusted key while trusted signing keys are set, ...). An empty body or one that is not JSON (code invalid-request).',
  'invalid-rollout',
  'invalid-request',
);
/** Rollout changes wait up to 5 s for the rollout's lock while another server changes it. */
const ROLLOUT_BUSY = problem(
  'storage-unavailable: the database cannot be reached right now (Retry-After: 5); or rollout-busy: another server kept the rollout locked for 5 s (Retry-After: 5). Nothing was changed.',
  'storage-unavailable',
  'rollout-busy',
);

/** What the removals answer: the id of what went. */
const deletedRowSchema = z
  .object({ deleted: z.string().meta({ description: 'The device id whose row was deleted.' }) })
  .meta({ id: 'DeletedDeviceRow', description: 'The device whose row was deleted (its file stays stored).' });
const revokedCredentialSchema = z
  .object({ revoked: z.string().meta({ description: 'The device id whose credential was revoked.' }) })
  .meta({ id: 'RevokedDeviceCredential', description: 'The device whose own credential was revoked.' });
const forgottenDeviceSchema = z
  .object({ forgotten: z.string().meta({ description: 'The device id forgotten.' }) })
  .meta({
    id: 'ForgottenDevice',
    description: 'The device whose inventory entry, attempts and events were forgotten.',
  });
/** This document, as far as a client relies on it. */
const openApiDocumentSchema = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({ description: 'An OpenAPI 3.1 document.' });

const ACTION_SUMMARIES: Readonly<Record<RolloutOperatorAction, string>> = {
  start: 'Starts a draft: its first wave is offered.',
  pause: 'Pauses a running rollout: no offers (nor re-offers) until resumed.',
  resume: 'Resumes a paused or halted rollout; failures count afresh from now.',
  advance: 'Moves a running or paused rollout to its next wave (past the last: completed).',
  abort: 'Ends a rollout for good (draft, running, paused or halted): it makes no more offers.',
};

/** Why starting, resuming or advancing a rollout is refused as invalid-rollout. */
const ACTION_INVALID: Readonly<Partial<Record<RolloutOperatorAction, string>>> = {
  start:
    'The target image is no longer a stored valid image, or trusted signing keys are set and it is not signed by one of them (code invalid-rollout, the problem of file in problems).',
  resume:
    'The target image is no longer a stored valid image, or trusted signing keys are set and it is not signed by one of them (code invalid-rollout, the problem of file in problems).',
  advance:
    'Trusted signing keys are set and the target image is not signed by one of them (code invalid-rollout, the problem of file in problems).',
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
        400: BAD_QUERY,
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
        409: problem(
          "The rollout is neither a draft nor paused, or the patch changes a paused rollout's file (code rollout-state-conflict).",
          'rollout-state-conflict',
        ),
        ...JSON_BODY_ERRORS,
        503: ROLLOUT_BUSY,
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
        400: INVALID,
        ...JSON_BODY_ERRORS,
      },
      writes: false,
    },
    {
      method: 'post',
      route: '/api/v1/rollouts/:id/preview',
      operationId: 'previewRollout',
      access: 'operator',
      summary: 'How many devices each wave holds now, and how many each rule excludes (nothing changes).',
      pathParams: rolloutId,
      responses: {
        200: { description: 'The preview.', ...json(rolloutPreviewSchema) },
        400: problem(
          "The rollout's file is no longer a stored valid image (deleted once the rollout ended, or changed on disk) (code invalid-rollout, the problem of file in problems).",
          'invalid-rollout',
        ),
        404: NOT_FOUND,
      },
      writes: false,
    },
    ...ROLLOUT_OPERATOR_ACTIONS.map((action): ApiOperation => {
      const invalid = ACTION_INVALID[action];
      return {
        method: 'post',
        route: `/api/v1/rollouts/:id/${action}`,
        operationId: `${action}Rollout`,
        access: 'operator',
        summary: ACTION_SUMMARIES[action],
        pathParams: rolloutId,
        responses: {
          200: { description: 'The rollout after the action.', ...json(rolloutViewSchema) },
          ...(invalid === undefined ? {} : { 400: problem(invalid, 'invalid-rollout') }),
          404: NOT_FOUND,
          409: problem(
            `Not allowed in the rollout's state: only from ${[...ROLLOUT_ACTION_SOURCES[action]].join(', ')} (code rollout-state-conflict).`,
            'rollout-state-conflict',
          ),
          503: ROLLOUT_BUSY,
        },
      };
    }),
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
        400: BAD_QUERY,
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
        400: BAD_DEVICE_ID,
        404: NEVER_CHECKED,
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
        400: BAD_DEVICE_ID,
        404: NEVER_CHECKED,
      },
    },
  ];
}

const CHECK_BAD_REQUEST = problem(
  'app_ver missing, empty, repeated or invalid (code invalid-app-version); a malformed id (invalid-device-id); delta without base, a malformed base, either repeated, or a malformed percent-escape in them (invalid-query).',
  'invalid-app-version',
  'invalid-device-id',
  'invalid-query',
);
const CHECK_NOT_FOUND = problem(
  'No row for the device, or (for a device with its own credential) another device asked about (code device-not-found); its update file is not stored (update-file-missing).',
  'device-not-found',
  'update-file-missing',
);
const DOWNLOAD_NOT_FOUND = problem(
  'No such file or patch (or, for a device with its own credential, not its file, nor the patch its attempt was offered; an offer path no longer standing) (code file-not-found).',
  'file-not-found',
);
const RANGE_NOT_SATISFIABLE = problem(
  'The range lies outside the file; Content-Range: bytes */<size> (code range-not-satisfiable).',
  'range-not-satisfiable',
);

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
      204: {
        description:
          "The device is known and runs another version than its row's, or its row's file is an image of the version it runs (a reinstall loop), or a rollout holds it back for now (its wave, a cap).",
      },
      400: CHECK_BAD_REQUEST,
      404: CHECK_NOT_FOUND,
    },
    // A check that moves the device's update attempt is answered once that is written.
    writes: true,
  },
  {
    method: 'head',
    route: '/devices/:id',
    operationId: 'checkForUpdateHead',
    access: 'any',
    summary: "The check's answer without its body (it counts as a check, as the GET does).",
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
      400: CHECK_BAD_REQUEST,
      404: CHECK_NOT_FOUND,
    },
    writes: true,
  },
  {
    method: 'put',
    route: '/devices/:id',
    operationId: 'assignUpdate',
    access: 'operator',
    summary: "Adds or replaces the device's row (the seed's CSV record).",
    pathParams: id,
    requestBody: {
      ...csv,
      schema: deviceRecordCsvSchema,
      description:
        'One CSV record, at most 16 KiB, read as text when its Content-Type is any text/* type (text/csv), application/x-www-form-urlencoded (curl --data without a header) or application/octet-stream; Content-Encoding gzip, deflate and br are undone.',
    },
    responses: {
      200: { description: 'Stored and durable.', ...json(deviceRecordSchema) },
      400: problem(
        "Not exactly one CSV record of 3 fields, or a body its Content-Encoding cannot undo (invalid-record); an invalid field (invalid-device-id, invalid-app-version, invalid-file-path); the record's id differs from the path's (record-id-mismatch).",
        'invalid-record',
        'invalid-device-id',
        'invalid-app-version',
        'invalid-file-path',
        'record-id-mismatch',
      ),
      409: problem(
        'The file is an image of the version the row updates from: a reinstall loop (code reinstall-loop).',
        'reinstall-loop',
      ),
      413: problem('The body is over 16 KiB (code payload-too-large).', 'payload-too-large'),
      415: problem(
        'The body is not of a type read as text (see the request body), has no Content-Type, or has a Content-Encoding other than gzip, deflate, br (code unsupported-media-type).',
        'unsupported-media-type',
      ),
    },
  },
  {
    method: 'delete',
    route: '/devices/:id',
    operationId: 'removeDevice',
    access: 'operator',
    summary: "Deletes the device's row (the file stays stored).",
    pathParams: id,
    responses: {
      200: { description: 'Deleted, and durable.', ...json(deletedRowSchema) },
      400: BAD_DEVICE_ID,
      404: problem('No row for the device (code device-not-found).', 'device-not-found'),
    },
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
      400: BAD_FILE_PATH,
      404: DOWNLOAD_NOT_FOUND,
      416: RANGE_NOT_SATISFIABLE,
    },
  },
  {
    method: 'head',
    route: '/files/*path',
    operationId: 'describeFile',
    access: 'any',
    summary:
      "The download's status and headers (Content-Length, ETag, Last-Modified, Accept-Ranges, Content-Range) without the bytes.",
    pathParams: path,
    headers: download,
    responses: {
      200: { description: 'The file exists.' },
      206: { description: 'The range asked for lies in the file; Content-Range and Content-Length are its.' },
      304: { description: 'If-None-Match matched the ETag.' },
      400: BAD_FILE_PATH,
      404: DOWNLOAD_NOT_FOUND,
      416: RANGE_NOT_SATISFIABLE,
    },
  },
  {
    method: 'put',
    route: '/files/*path',
    operationId: 'uploadFile',
    access: 'operator',
    summary: 'Stores an update file (streamed, hashed, fsynced, then published whole).',
    pathParams: path,
    query: { validate: { schema: validateFlagSchema, required: false } },
    requestBody: {
      ...bytes,
      anyContentType: true,
      description:
        "The file's bytes as they are, whatever the Content-Type (application/octet-stream, none, or application/x-www-form-urlencoded as curl --data-binary sends it), but a multipart form (415).",
    },
    responses: {
      200: { description: 'Stored and durable: the stored file.', ...json(updateFileViewSchema) },
      400: problem(
        'Malformed path (invalid-file-path), a validate value that is not a flag (invalid-record), or the upload ended before its last byte (upload-incomplete).',
        'invalid-file-path',
        'invalid-record',
        'upload-incomplete',
      ),
      409: problem(
        'The path collides with a directory or a file in the store (file-path-conflict); the file is the target of a rollout not yet ended (file-in-use); it is an image of the version a row naming the path updates from (reinstall-loop).',
        'file-path-conflict',
        'file-in-use',
        'reinstall-loop',
      ),
      413: problem('Larger than FUOTA_MAX_UPLOAD_BYTES (code payload-too-large).', 'payload-too-large'),
      415: problem(
        'A multipart form (curl -F): the body must be the file itself (code unsupported-media-type).',
        'unsupported-media-type',
      ),
      422: problem(
        'Not a valid ESP-IDF application image (invalid-image; reason says why), or trusted signing keys are set and no block verifies with one (untrusted-signature; reason and signatures).',
        'invalid-image',
        'untrusted-signature',
      ),
      507: problem(
        'The disk (or a quota) filled up; nothing was stored, the previous version stays (code storage-full).',
        'storage-full',
      ),
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
      400: problem(
        'Malformed path (invalid-file-path), or a force value that is not a flag (invalid-record).',
        'invalid-file-path',
        'invalid-record',
      ),
      404: problem('No such file (code file-not-found).', 'file-not-found'),
      409: problem(
        'Device rows name the file (code file-in-use; namedBy lists their device ids), or it is the target of a rollout not yet ended, force or not (code file-in-use, no namedBy).',
        'file-in-use',
      ),
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
    summary:
      'One stored file with what the server read from it, what uses it (device rows, rollouts), and its patches.',
    pathParams: path,
    responses: {
      200: { description: 'The file.', ...json(updateFileDetailSchema) },
      400: BAD_FILE_PATH,
      404: problem('No such file (code file-not-found).', 'file-not-found'),
    },
  },
  {
    method: 'post',
    route: '/api/v1/devices/:id/credentials',
    operationId: 'provisionDeviceCredential',
    access: 'operator',
    summary: 'Gives the device its own credential (replacing any earlier one); the secret is shown once.',
    pathParams: id,
    responses: {
      201: { description: 'Provisioned (Cache-Control: no-store).', ...json(provisionedCredentialSchema) },
      400: BAD_DEVICE_ID,
    },
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
      400: BAD_DEVICE_ID,
      404: problem('It has none (code credential-not-found).', 'credential-not-found'),
    },
  },
  {
    method: 'delete',
    route: '/api/v1/devices/:id/credentials',
    operationId: 'revokeDeviceCredential',
    access: 'operator',
    summary: "Revokes the device's own credential.",
    pathParams: id,
    responses: {
      200: { description: 'Revoked.', ...json(revokedCredentialSchema) },
      400: BAD_DEVICE_ID,
      404: problem('It had none (code credential-not-found).', 'credential-not-found'),
    },
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
      400: BAD_QUERY,
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
      400: problem(
        'The body is not valid, or a device would carry too many tags (code invalid-request).',
        'invalid-request',
      ),
      ...JSON_BODY_ERRORS,
    },
  },
  {
    method: 'get',
    route: '/api/v1/devices/:id',
    operationId: 'getInventoryDevice',
    access: 'operator',
    summary:
      'One device: what its checks show, its device row, its last 10 attempts and newest events (a device with a row that never checked: its row alone).',
    pathParams: id,
    responses: {
      200: { description: 'The device.', ...json(inventoryDeviceDetailSchema) },
      400: BAD_DEVICE_ID,
      404: problem('The device has never checked and has no device row (code device-not-found).', 'device-not-found'),
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
      400: problem(
        'A malformed device id (invalid-device-id), or the body is not valid (invalid-request).',
        'invalid-device-id',
        'invalid-request',
      ),
      404: NEVER_CHECKED,
      ...JSON_BODY_ERRORS,
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
      200: { description: 'Forgotten.', ...json(forgottenDeviceSchema) },
      400: BAD_DEVICE_ID,
      404: problem('The device is not in the inventory (code device-not-found).', 'device-not-found'),
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
      400: problem(
        'A query field is unknown, repeated or not valid, or both after and latest are given (code invalid-query).',
        'invalid-query',
      ),
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
    responses: {
      200: { description: 'The event stream.', contentType: 'text/event-stream' },
      400: problem(
        'A query field is unknown, repeated or not valid, or Last-Event-ID is not an event seq (code invalid-query).',
        'invalid-query',
      ),
    },
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
          description:
            "Instead of after: the records among the log's last N seqs (fewer where an append failed or records were pruned); with a smaller limit, the last limit of them.",
        }),
        required: false,
      },
      after: { schema: auditCursorSchema, required: false },
      limit: { schema: limitSchema(AUDIT_PAGE), required: false },
    },
    responses: {
      200: { description: 'A page of audit records.', ...json(auditPageSchema) },
      400: problem(
        'A query field is unknown, repeated or not valid, or both after and latest are given (code invalid-query).',
        'invalid-query',
      ),
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
      201: { description: 'Signed in (Set-Cookie, Cache-Control: no-store).', ...json(sessionSchema) },
      400: problem(
        'The body is not { username, password } (empty, not JSON, a field missing, empty or too long, another field) (code invalid-request).',
        'invalid-request',
      ),
      403: problem(
        'Wrong credential (unauthenticated, counted as a failed authentication), or a device credential (operator-only).',
        'unauthenticated',
        'operator-only',
      ),
      ...JSON_BODY_ERRORS,
      429: problem(
        'Too many failed authentications from this address; see Retry-After (code too-many-failed-authentications).',
        'too-many-failed-authentications',
      ),
      503: problem(
        'storage-unavailable: the database that keeps sessions and credentials (PostgreSQL) cannot be reached right now (Retry-After: 5); authentication-busy: too many password checks wait already (Retry-After: 5).',
        'storage-unavailable',
        'authentication-busy',
      ),
    },
    // Sessions are kept in memory, or in PostgreSQL (never the file that fills up).
    writes: false,
  },
  {
    method: 'get',
    route: '/api/v1/session',
    operationId: 'currentSession',
    access: 'operator',
    summary: "The dashboard session the request's cookie carries.",
    responses: {
      200: { description: 'The session (Cache-Control: no-store).', ...json(sessionSchema) },
      404: problem(
        'The request carries no session: it authenticated otherwise (Basic, with any credential), or carries no credential at all (the dashboard asking before sign-in; not counted as a failure) (code session-not-found).',
        'session-not-found',
      ),
    },
  },
  {
    method: 'delete',
    route: '/api/v1/session',
    operationId: 'signOut',
    access: 'operator',
    summary: 'Signs out: the session ends and its cookie is cleared (the request needs its X-CSRF-Token).',
    responses: {
      204: { description: 'Signed out.' },
      404: problem(
        'The request authenticated otherwise (Basic, with any credential): it carries no session (code session-not-found). Without any credential: 403 unauthenticated.',
        'session-not-found',
      ),
    },
    writes: false,
  },
  {
    method: 'get',
    route: '/api/v1/openapi.json',
    operationId: 'openApiDocument',
    access: 'any',
    summary: 'This document.',
    responses: { 200: { description: 'OpenAPI 3.1.', ...json(openApiDocumentSchema) } },
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
        400: problem(
          'A path is not an update file path (invalid-file-path), a file is not an ESP-IDF image with its SHA-256 appended (not-an-image), both hold the same bytes or the body is not { base, target } (invalid-request).',
          'invalid-file-path',
          'not-an-image',
          'invalid-request',
        ),
        404: problem('No file is stored at a path (code file-not-found).', 'file-not-found'),
        409: problem(
          "The base's image digest is also another stored file's (the same image signed twice, say): no patch from it would be offered (code delta-base-ambiguous).",
          'delta-base-ambiguous',
        ),
        422: problem(
          'The patch is not under FUOTA_DELTA_MAX_RATIO of the target (delta-not-smaller), or the build failed: time, memory, a patch that did not rebuild the target, delta patches turned off (delta-build-failed).',
          'delta-not-smaller',
          'delta-build-failed',
        ),
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
        400: problem('The id is over 200 characters (code invalid-request).', 'invalid-request'),
        404: problem('No stored patch has that id (code delta-not-found).', 'delta-not-found'),
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
        400: problem(
          'The body is not one of the two shapes: neither or both of publicKey and keyDigest, or an unknown field; or it is empty or not JSON (code invalid-request).',
          'invalid-request',
        ),
        409: problem('The key is in the FUOTA_TRUSTED_KEYS file (code signing-key-in-file).', 'signing-key-in-file'),
        422: problem(
          'publicKey is not one PEM Secure Boot v2 public key (RSA-3072, ECDSA P-192/P-256/P-384; a private key, a certificate, several PEM blocks or text that is not PEM are refused), or keyDigest is not a key digest (code invalid-signing-key).',
          'invalid-signing-key',
        ),
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
        400: problem('The path does not end with a key digest (code invalid-request).', 'invalid-request'),
        404: problem(
          'No key added through the API has that digest (code signing-key-not-found).',
          'signing-key-not-found',
        ),
        409: problem('The key is in the FUOTA_TRUSTED_KEYS file (code signing-key-in-file).', 'signing-key-in-file'),
      },
    },
  ];
}
