import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * How long to wait for the server's `100 Continue` before sending the body anyway, as curl
 * does: a server or a proxy that ignores `Expect` would otherwise wait for a body never sent.
 */
export const CONTINUE_WAIT_MS = 1000;

/**
 * Sends `body` as the body of `req` (sent with `Expect: 100-continue`) once the server invites
 * it, or once CONTINUE_WAIT_MS went by without an answer. The server invites an upload only
 * after authenticating it, and refuses one it will not take (413 over its size limit) with the
 * final status at once, without reading it, then closes the connection: a body sent regardless
 * met that closed connection (EPIPE), and the refusal was reported as a lost connection. An
 * answer that comes first, or while the body is under way (a 400 for a bad path right after the
 * invitation), ends the sending: the server decided without the rest.
 */
export function sendWhenInvited(req: ClientRequest, body: Readable): void {
  let started = false;
  // From the start: a file that cannot be read fails the request at once, invited or not (listened
  // to only once sending began, it left the request waiting for the inactivity timeout; a review).
  body.on('error', (error) => req.destroy(error));
  const start = () => {
    if (started) return;
    started = true;
    clearTimeout(fallback);
    body.pipe(req);
  };
  const fallback = setTimeout(start, CONTINUE_WAIT_MS);
  const stop = () => {
    clearTimeout(fallback);
    started = true;
    if (req.writableEnded) return;
    body.unpipe(req);
    // Ends its progress bar, and the reading of the file.
    body.destroy();
  };
  req.on('continue', start);
  req.on('response', (res: IncomingMessage) => {
    const unfinished = !req.writableEnded;
    stop();
    // The request stays unfinished: nothing more goes on its connection once the answer is read.
    if (unfinished) res.once('end', () => req.destroy());
  });
  req.on('close', stop);
}
