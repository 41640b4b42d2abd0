import type { Socket } from 'node:net';
import type { Server } from 'node:tls';

// Every TLS connection opens with a handshake record (content type 22); plain HTTP opens with a
// method's letters.
const TLS_HANDSHAKE_RECORD = 0x16;
const BODY = 'This port speaks HTTPS only: send the request to https:// instead of http://.\n';
const ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: close\r\n\r\n${BODY}`;
// After the answer, the rest of the request is read and dropped for this long at most, so that
// closing with unread bytes does not reset the connection before the client has read the answer.
export const PLAIN_HTTP_DRAIN_MS = 2_000;

/** The connections the look holds: not yet handed to TLS, or answered and draining. */
export interface PlainHttpRefusal {
  /** Destroys them all, for a server that stops: they are not HTTP connections, so Node's closeAllConnections never reaches them. */
  destroyAll(): void;
}

/**
 * Plain HTTP sent to the HTTPS port would get a dropped connection (the TLS layer finds no
 * handshake), which tells the person with curl nothing. The server looks at the first bytes of
 * each connection before its TLS layer does: a TLS handshake goes on to TLS as it is (the bytes
 * are put back), anything else gets a short plain-text 400 saying to use https://, as nginx does.
 *
 * Node's TLS server takes connections with its one 'connection' listener; that listener is moved
 * behind the look. A Node that takes them otherwise is left as it is (plain HTTP then gets the
 * dropped connection, and a test says so). `firstByteTimeoutMs` bounds a client that sends
 * nothing, as the handshake timeout did; `drainMs` bounds the reading after the answer.
 */
export function refusePlainHttp(
  server: Server,
  firstByteTimeoutMs: number,
  drainMs = PLAIN_HTTP_DRAIN_MS,
): PlainHttpRefusal {
  const held = new Set<Socket>();
  const refusal: PlainHttpRefusal = {
    destroyAll: () => {
      for (const socket of held) socket.destroy();
      held.clear();
    },
  };
  const listeners = server.listeners('connection');
  const takeTls = listeners[0] as ((socket: Socket) => void) | undefined;
  if (listeners.length !== 1 || takeTls === undefined) return refusal;
  server.removeListener('connection', takeTls);
  server.on('connection', (socket: Socket) => {
    held.add(socket);
    socket.once('close', () => held.delete(socket));
    const drop = () => socket.destroy();
    // Absolute, not an idle timer: nothing has been read yet, and a client that never sends
    // the first byte must not keep the connection.
    const firstByte = setTimeout(drop, firstByteTimeoutMs);
    firstByte.unref();
    socket.once('close', () => clearTimeout(firstByte));
    socket.once('error', drop);
    socket.once('data', (first: Buffer) => {
      clearTimeout(firstByte);
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        held.delete(socket);
        socket.off('error', drop);
        takeTls.call(server, socket);
      } else {
        answerPlainHttp(socket, drop, drainMs);
      }
    });
  });
  return refusal;
}

function answerPlainHttp(socket: Socket, drop: () => void, drainMs: number): void {
  socket.end(ANSWER);
  socket.resume();
  // An absolute deadline, not socket.setTimeout: that is an idle timer every byte resets, so a
  // client trickling a byte a second would stay connected (and hold up the server's stop) forever.
  const deadline = setTimeout(drop, drainMs);
  deadline.unref();
  socket.once('close', () => clearTimeout(deadline));
}
