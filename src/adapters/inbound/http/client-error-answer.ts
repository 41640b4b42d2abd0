import type { Duplex } from 'node:stream';

// Node's own answers to a request it could not parse, by its error code; anything else is a 400.
const STATUS_LINES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * The answer to a request Node's parser refused, as Node gives it, but sent before the
 * connection is cut: Node writes its answer and destroys the socket at once, and over TLS an
 * answer queued behind an earlier write still under way (the session tickets sent after the
 * handshake) is then lost, leaving the client with a dropped connection. A connection whose
 * answer had begun, or that is gone, is only cut.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = STATUS_LINES[error.code ?? ''] ?? '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`, () => socket.destroy());
}
