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
    socket.end(closingAnswer(refusal), () => socket.destroy());
  });
}
