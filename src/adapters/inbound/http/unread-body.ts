import type { IncomingMessage } from 'node:http';

/**
 * Whether part of the request body may still be unread. Answering such a request early (403,
 * 413...) should close the connection rather than have Node read and drop the rest of the body.
 */
export function mayHaveUnreadBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  const declared = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return declared && !req.complete;
}
