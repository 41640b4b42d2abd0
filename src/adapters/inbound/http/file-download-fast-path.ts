import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isUpdateFilePath } from '../../../domain/update-file-path.js';
import { sendBlob } from './blob-sender.js';
import { ChunkPool } from './chunk-pool.js';
import { downloadAnswer } from './download-answer.js';
import type { FastPath } from './fast-path.js';
import { fastPathPrincipal, recordWhenClosed } from './fast-path.js';
import { flatHeaders } from './header-list.js';
import type { KoaAppDependencies } from './koa-app.js';
import { requestIdFor } from './request-id.js';

// The route pattern the Koa router gives the same request, for the metrics.
const DOWNLOAD_ROUTE = '/files/*path';
// `GET /files/<path>`, any query (the route reads none). A path with a percent-escape goes to
// Koa's router, which decodes it: a valid update path never needs one.
const DOWNLOAD_URL = /^\/files\/([^?#%]+)(?:\?[^#]*)?$/;

/** A header's value as Koa's `ctx.get` gives the route: absent or empty is undefined. */
function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Firmware downloads are most of a fleet's bytes. This sends the bytes of a successful GET (200,
 * or 206 for a range) without Koa, whose context and stream pipeline cost a busy server a
 * quarter more CPU per MiB than piping the file itself, reading them into reused buffers
 * (sendBlob); the answer is decided by the same downloadAnswer as the route's. Anything else
 * (304, 416, a missing file, a confined device asking for another's file, a failed credential)
 * goes to Koa (see FastPath).
 */
export function fileDownloadFastPath({ useCases, authenticator, authFailures, logger, metrics }: KoaAppDependencies): FastPath {
  const chunks = new ChunkPool();
  async function answered(req: IncomingMessage, res: ServerResponse, path: string, started: number): Promise<boolean> {
    const credential = await fastPathPrincipal(req, authenticator, authFailures);
    if (credential === undefined || !isUpdateFilePath(path)) return false;
    const opened = await useCases.openUpdateFile.execute(path, credential.principal.deviceId);
    const answer = downloadAnswer(opened, {
      ifNoneMatch: headerText(req, 'if-none-match'),
      ifRange: headerText(req, 'if-range'),
      range: headerText(req, 'range'),
    });
    // A client gone while the file was opened is Koa's to record (as aborted) and clean up.
    if (answer.kind !== 'content' || res.destroyed) {
      await opened.blob.release();
      return false;
    }
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.writeHead(answer.status, flatHeaders(answer.headers, requestId));
    const sending = sendBlob(opened.blob, answer.range, res, chunks, (error) =>
      logger.warn('reading the file failed', { path: `/files/${path}`, reqId: requestId, reason: error.message }),
    );
    recordWhenClosed(res, logger, metrics, {
      path: `/files/${path}`,
      route: DOWNLOAD_ROUTE,
      status: answer.status,
      requestId,
      started,
      credential,
      bytes: () => sending.bytesSent,
    });
    return true;
  }

  return (req, res) => {
    const match = req.method === 'GET' ? DOWNLOAD_URL.exec(req.url ?? '') : null;
    return match === null ? undefined : answered(req, res, match[1] ?? '', performance.now());
  };
}
