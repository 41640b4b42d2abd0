import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { isUpdateFilePath } from '../../../domain/update-file-path.js';
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
 * quarter more CPU per MiB than piping the file itself; the answer is decided by the same
 * downloadAnswer as the route's. Anything else (304, 416, a missing file, a confined device
 * asking for another's file, a failed credential) goes to Koa (see FastPath).
 */
export function fileDownloadFastPath({ useCases, authenticator, authFailures, logger, metrics }: KoaAppDependencies): FastPath {
  async function answered(req: IncomingMessage, res: ServerResponse, path: string, started: number): Promise<boolean> {
    const principal = await fastPathPrincipal(req, authenticator, authFailures);
    if (principal === undefined || !isUpdateFilePath(path)) return false;
    const opened = await useCases.openUpdateFile.execute(path, principal.deviceId);
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
    const content = opened.blob.content(answer.range);
    const body = content instanceof Readable ? content : Readable.from(content);
    let sent = 0;
    body.on('data', (chunk: Uint8Array) => {
      sent += chunk.length;
    });
    // A read that fails midway can only cut the answer short: its headers are gone already.
    body.once('error', () => res.destroy());
    // A client that goes away stops the reading and frees the file.
    res.once('close', () => body.destroy());
    const requestId = requestIdFor(req.headers['x-request-id']);
    recordWhenClosed(res, logger, metrics, {
      path: `/files/${path}`,
      route: DOWNLOAD_ROUTE,
      status: answer.status,
      requestId,
      started,
      bytes: () => sent,
    });
    res.writeHead(answer.status, flatHeaders(answer.headers, requestId));
    body.pipe(res);
    return true;
  }

  return (req, res) => {
    const match = req.method === 'GET' ? DOWNLOAD_URL.exec(req.url ?? '') : null;
    return match === null ? undefined : answered(req, res, match[1] ?? '', performance.now());
  };
}
