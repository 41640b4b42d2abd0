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
const DRAIN_MS = 2_000;

/**
 * Plain HTTP sent to the HTTPS port would get a dropped connection (the TLS layer finds no
 * handshake), which tells the person with curl nothing. The server looks at the first bytes of
 * each connection before its TLS layer does: a TLS handshake goes on to TLS as it is (the bytes
 * are put back), anything else gets a short plain-text 400 saying to use https://, as nginx does.
 *
 * Node's TLS server takes connections with its one 'connection' listener; that listener is moved
 * behind the look. A Node that takes them otherwise is left as it is (plain HTTP then gets the
 * dropped connection, and a test says so). `firstByteTimeoutMs` bounds a client that sends
 * nothing, as the handshake timeout did.
 */
export function refusePlainHttp(server: Server, firstByteTimeoutMs: number): void {
  const listeners = server.listeners('connection');
  const takeTls = listeners[0] as ((socket: Socket) => void) | undefined;
  if (listeners.length !== 1 || takeTls === undefined) return;
  server.removeListener('connection', takeTls);
  server.on('connection', (socket: Socket) => {
    const drop = () => socket.destroy();
    socket.setTimeout(firstByteTimeoutMs);
    socket.once('timeout', drop);
    socket.once('error', drop);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      socket.setTimeout(0);
      socket.off('timeout', drop);
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        socket.off('error', drop);
        takeTls.call(server, socket);
      } else {
        answerPlainHttp(socket, drop);
      }
    });
  });
}

function answerPlainHttp(socket: Socket, drop: () => void): void {
  socket.end(ANSWER);
  socket.resume();
  socket.setTimeout(DRAIN_MS);
  socket.once('timeout', drop);
}
