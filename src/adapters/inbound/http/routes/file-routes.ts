import { inviteBody } from '../body-invitation.js';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError, isDomainError } from '../../../../domain/domain-error.js';
import type { UpdateFile } from '../../../../domain/update-file.js';
import type { UpdateFilePath } from '../../../../domain/update-file-path.js';
import { ImageRejected } from '../../../../domain/firmware/image-rejection.js';
import { UpdateFileInUse } from '../../../../domain/update-file-in-use.js';
import { forceFlagSchema, updateFilePathSchema, validateFlagSchema } from '../api-schemas.js';
import { auditSource } from '../audit-source.js';
import { validated } from '../edge-validation.js';
import { problem, sendProblem } from '../problem.js';
import { TransportError } from '../transport-error.js';
import { updateFileView } from '../update-file-view.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import type { HttpMetrics } from '../http-metrics.js';
import type { HttpUseCases } from '../use-cases.js';

/** The update path of `/files/<path>`, percent-decoded by the router, then validated. */
export function filePath(ctx: Context): UpdateFilePath {
  const raw: unknown = ctx.params.path;
  return validated(updateFilePathSchema, Array.isArray(raw) ? raw.join('/') : String(raw ?? ''), 'invalid-file-path');
}

/** Refuses a declared-too-large upload before reading any of it. */
function checkDeclaredLength(ctx: Context, maxBytes: number): void {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > maxBytes) {
    throw new DomainError('payload-too-large', `upload of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** `?validate=false` stores bytes that are not an ESP-IDF image (for operators who serve other binaries). */
function validationChoice(ctx: Context): boolean | undefined {
  const value = ctx.query.validate;
  // Given twice, it arrives as an array, which the schema refuses like any other bad value.
  return value === undefined ? undefined : validated(validateFlagSchema, value, 'invalid-record');
}

/**
 * A multipart form (`curl -F`) wraps the file in its boundaries and headers: stored as it is, the
 * envelope would be served to devices, so it is refused whatever `validate` says.
 */
function refuseForm(ctx: Context): void {
  if (typeof ctx.is('multipart/*') === 'string') {
    throw new TransportError(
      'unsupported-media-type',
      'the body must be the raw file, not a multipart form (curl -F): send it with curl --data-binary @<file> or -T <file>',
    );
  }
}

// curl's --data (and -d) sends a file as a form field: it strips the newlines (0x0A and 0x0D
// bytes) and declares application/x-www-form-urlencoded, the type curl also gives a body sent
// without one. Such uploads are accepted (the seed took them), but an image refused after that
// says why its bytes may not be the file's.
// curl declares --data-binary bodies the same way, so the hint says what only --data does.
const FORM_DATA_HINT =
  ' (the upload was declared application/x-www-form-urlencoded, as curl declares --data and --data-binary alike: sent with curl --data or -d, its newlines were stripped; send the file with curl --data-binary @<file> or -T <file>)';

/** Adds that hint to an image refusal of an upload declared as form data. */
function withFormDataHint(ctx: Context, error: unknown): unknown {
  if (!(error instanceof ImageRejected) || typeof ctx.is('application/x-www-form-urlencoded') !== 'string')
    return error;
  return new ImageRejected(error.reason, `${error.message}${FORM_DATA_HINT}`);
}

/** What the audit log keeps of a stored file: its bytes' size and hash, and what image it is. */
function fileFacts(file: UpdateFile): Record<string, string | number | null> {
  return {
    size: file.size,
    sha256: file.sha256,
    version: file.image?.version ?? null,
    project: file.image?.projectName ?? null,
    chip: file.image?.chip ?? null,
  };
}

/**
 * A rollout's target does not change under it: replacing or deleting the file of a rollout not
 * yet ended is refused (409 `file-in-use`), force or not, until it completes or is aborted.
 */
function refuseRolloutTarget(useCases: HttpUseCases, path: string): void {
  const users = useCases.rollouts.targeting(path);
  if (users.length === 0) return;
  const named = users.map((rollout) => `${rollout.id} (${rollout.state})`).join(', ');
  throw new DomainError('file-in-use', `${path} is the target of rollout ${named}: abort or complete it first`);
}

/** The operator's file routes; downloads are the device adapter's (file-download-handler.ts). */
export function fileRoutes(router: Router, useCases: HttpUseCases, metrics: HttpMetrics): void {
  router.put('/files/*path', operatorOnly(), async (ctx) => {
    const path = filePath(ctx);
    refuseForm(ctx);
    refuseRolloutTarget(useCases, path);
    const validate = validationChoice(ctx);
    checkDeclaredLength(ctx, useCases.uploadUpdateFile.maxBytes);
    // The checks that need no body are made: the body is wanted now (see invitesOwnBody).
    inviteBody(ctx.req, ctx.res);
    try {
      // destroyOnReturn: false, so that refusing a body midway (413, 422) does not destroy the
      // socket before the answer is written; the connection is closed after the answer instead.
      const body = ctx.req.iterator({ destroyOnReturn: false });
      const stored = await useCases.audit.recorded(
        auditSource(ctx),
        async () => {
          const file = await useCases.uploadUpdateFile.execute(path, body, { validate });
          metrics.upload(file.size);
          await useCases.fleetChanges.imagesChanged();
          // In the background: patches to the new image, and away with those of a replaced one.
          useCases.deltas.fileStored(file);
          return file;
        },
        (file) => ({ action: 'file.put', target: file.path, detail: fileFacts(file) }),
      );
      ctx.body = updateFileView(stored);
    } catch (error) {
      if (!isDomainError(error) && (ctx.req.readableAborted || ctx.req.destroyed)) {
        throw new TransportError('upload-incomplete', 'the upload ended before its last byte; nothing was stored');
      }
      throw withFormDataHint(ctx, error);
    }
  });

  router.delete('/files/*path', operatorOnly(), async (ctx) => {
    const path = filePath(ctx);
    const value = ctx.query.force;
    const force = value === undefined ? false : validated(forceFlagSchema, value, 'invalid-record');
    refuseRolloutTarget(useCases, path);
    try {
      const deleted = await useCases.audit.recorded(
        auditSource(ctx),
        async () => {
          const done = await useCases.deleteUpdateFile.execute(path, { force });
          await useCases.fleetChanges.imagesChanged();
          useCases.deltas.fileDeleted();
          return done;
        },
        (done) => ({
          action: 'file.delete',
          target: done.file.path,
          detail: { ...fileFacts(done.file), force, namedBy: done.namedBy },
        }),
      );
      ctx.body = { deleted: updateFileView(deleted.file), namedBy: deleted.namedBy };
    } catch (error) {
      if (!(error instanceof UpdateFileInUse)) throw error;
      // The rows' ids as a list too, for scripts (the detail names the first few for people).
      sendProblem(ctx, problem(error.code, error.message, { namedBy: error.deviceIds }));
    }
  });
}
