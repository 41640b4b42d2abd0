import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { closingAnswer } from './client-error-answer.js';
import { problem } from './problem.js';

/**
 * `CONNECT` (a proxy's method): Node hands it to 'connect' listeners instead of the request
 * handler, and without one cuts the connection, so a client learned nothing. This server is no
 * proxy: 405 with a problem body, then the connection closes.
 */
export function refuseConnect(server: Server): void {
  server.on('connect', (_req: unknown, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    const refusal = problem('method-not-allowed', 'CONNECT is not allowed: this server is not a proxy');
    // A 405 names what is allowed (RFC 9110): what the server answers on its routes.
    socket.end(closingAnswer(refusal, { Allow: 'GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS' }), () =>
      socket.destroy(),
    );
  });
}
