import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError, isDomainError } from '../../../../domain/domain-error.js';
import type { UpdateFilePath } from '../../../../domain/update-file-path.js';
import { parseUpdateFilePath } from '../../../../domain/update-file-path.js';
import type { HttpUseCases } from '../use-cases.js';

/** The update path of `/files/<path>`, percent-decoded by the router, then validated. */
function filePath(ctx: Context): UpdateFilePath {
  const raw: unknown = ctx.params.path;
  return parseUpdateFilePath(Array.isArray(raw) ? raw.join('/') : String(raw ?? ''));
}

/** Refuses a declared-too-large upload before reading any of it. */
function checkDeclaredLength(ctx: Context, maxBytes: number): void {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > maxBytes) {
    throw new DomainError('payload-too-large', `upload of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

export function fileRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/files/*path', async (ctx) => {
    const opened = await useCases.openUpdateFile.execute(filePath(ctx));
    ctx.set('Content-Type', 'application/octet-stream');
    ctx.set('Last-Modified', opened.info.modifiedAt.toUTCString());
    if (ctx.method === 'HEAD') {
      await opened.release();
      ctx.status = 200;
      ctx.set('Content-Length', String(opened.info.size));
      return;
    }
    const content = opened.content();
    // The file store hands out Node streams already; anything else is adapted once.
    ctx.body = content instanceof Readable ? content : Readable.from(content);
    ctx.length = opened.info.size;
  });

  router.put('/files/*path', async (ctx) => {
    const path = filePath(ctx);
    checkDeclaredLength(ctx, useCases.uploadUpdateFile.maxBytes);
    try {
      // destroyOnReturn: false, so that refusing a body midway (413) does not destroy the socket
      // before the answer is written; the connection is closed after the answer instead.
      const body = ctx.req.iterator({ destroyOnReturn: false });
      const stored = await useCases.uploadUpdateFile.execute(path, body);
      ctx.body = { path, size: stored.size, sha256: stored.sha256 };
    } catch (error) {
      if (!isDomainError(error) && (ctx.req.readableAborted || ctx.req.destroyed)) {
        throw new DomainError('upload-incomplete', 'the upload ended before its last byte; nothing was stored');
      }
      throw error;
    }
  });
}
