import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError, isDomainError } from '../../../../domain/domain-error.js';
import type { UpdateFilePath } from '../../../../domain/update-file-path.js';
import { updateFilePathSchema, validateFlagSchema } from '../api-schemas.js';
import { validated } from '../edge-validation.js';
import { evaluateRange } from '../byte-range-request.js';
import { noneMatchSatisfied, rangeStillValid, strongEtag } from '../conditional-request.js';
import { problem, sendProblem } from '../problem.js';
import { updateFileView } from '../update-file-view.js';
import { confinedDevice, operatorOnly } from '../middleware/basic-auth.js';
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

export function fileRoutes(router: Router, useCases: HttpUseCases, metrics: HttpMetrics): void {
  // GET and HEAD (which the router routes here): whole files, single ranges, conditional requests.
  router.get('/files/*path', async (ctx) => {
    const { blob, file } = await useCases.openUpdateFile.execute(filePath(ctx), confinedDevice(ctx));
    const etag = strongEtag(file.sha256);
    const size = blob.info.size;
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('ETag', etag);
    ctx.set('Last-Modified', blob.info.modifiedAt.toUTCString());
    ctx.set('Cache-Control', 'no-cache');
    if (noneMatchSatisfied(ctx.get('If-None-Match') || undefined, etag)) {
      await blob.release();
      ctx.status = 304;
      return;
    }
    const honourRange = rangeStillValid(ctx.get('If-Range') || undefined, etag, blob.info.modifiedAt);
    const outcome = honourRange ? evaluateRange(ctx.get('Range') || undefined, size) : { kind: 'full' as const };
    if (outcome.kind === 'unsatisfiable') {
      await blob.release();
      ctx.set('Content-Range', `bytes */${size}`);
      sendProblem(ctx, problem(416, 'range-not-satisfiable', `the file has ${size} bytes`));
      return;
    }
    ctx.set('Content-Type', 'application/octet-stream');
    const range = outcome.kind === 'partial' ? outcome.range : undefined;
    const length = range === undefined ? size : range.end - range.start + 1;
    ctx.status = range === undefined ? 200 : 206;
    if (range !== undefined) ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    if (ctx.method === 'HEAD') {
      await blob.release();
      ctx.set('Content-Length', String(length));
      return;
    }
    const content = blob.content(range);
    // The file store hands out Node streams already; anything else is adapted once.
    ctx.body = content instanceof Readable ? content : Readable.from(content);
    ctx.length = length;
  });

  router.put('/files/*path', operatorOnly(), async (ctx) => {
    const path = filePath(ctx);
    const validate = validationChoice(ctx);
    checkDeclaredLength(ctx, useCases.uploadUpdateFile.maxBytes);
    try {
      // destroyOnReturn: false, so that refusing a body midway (413, 422) does not destroy the
      // socket before the answer is written; the connection is closed after the answer instead.
      const body = ctx.req.iterator({ destroyOnReturn: false });
      const stored = await useCases.uploadUpdateFile.execute(path, body, { validate });
      metrics.upload(stored.size);
      ctx.body = updateFileView(stored);
    } catch (error) {
      if (!isDomainError(error) && (ctx.req.readableAborted || ctx.req.destroyed)) {
        throw new DomainError('upload-incomplete', 'the upload ended before its last byte; nothing was stored');
      }
      throw error;
    }
  });
}
