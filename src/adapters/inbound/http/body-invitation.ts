import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests that asked `Expect: 100-continue` and whose body has not been invited yet. */
const waiting = new WeakSet<IncomingMessage>();

/**
 * Holds back the `100 Continue` of a request that asked for one until `inviteBody`: a client
 * (curl, for uploads over 1 MiB) sends the body only once invited, so a body that will not be
 * taken (wrong credentials, too large) is never sent. Invited at once, an upload with a wrong
 * password sent all its megabytes before it read its 403 (found by a new user).
 */
export function holdBody(req: IncomingMessage): void {
  waiting.add(req);
}

/** Sends the held `100 Continue` of the request, if it asked for one: its body is wanted now. */
export function inviteBody(req: IncomingMessage, res: ServerResponse): void {
  if (waiting.delete(req) && !res.headersSent) res.writeContinue();
}

/**
 * Whether the route invites its own body once it has made the checks that need no body (an
 * upload: its path, whether it is a rollout's target, its declared size): invited after
 * authentication alone, an upload to a bad path or over a rollout's target got its 400 or 409
 * while the client was sending, which then saw a broken pipe instead of the answer (found by a
 * new user of the CLI).
 */
export function invitesOwnBody(method: string, path: string): boolean {
  return method === 'PUT' && path.startsWith('/files/');
}
