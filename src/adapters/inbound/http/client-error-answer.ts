import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

import type { Problem } from './problem.js';
import { httpErrorProblem, PROBLEM_TYPE, problemBody } from './problem.js';

// Node's own answers to a request it could not parse, by its error code; anything else is a 400.
const ANSWERS: Readonly<Record<string, { readonly status: number; readonly detail: string }>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    detail: "the request's header fields are larger than this server takes (16 KiB)",
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, detail: "the request body's chunk extensions are too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'the request was not received in time' },
};

/**
 * The answer to a request Node's parser refused, with the status Node gives it and a problem
 * body as every other refusal has, sent before the connection is cut: Node writes its answer
 * and destroys the socket at once, and over TLS an answer queued behind an earlier write still
 * under way (the session tickets sent after the handshake) is then lost, leaving the client with
 * a dropped connection. A connection whose answer had begun, or that is gone, is only cut.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser complains again of each later chunk of the same refused request: answered once.
  if (ANSWERED.has(socket)) return;
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const { status, detail } = ANSWERS[error.code ?? ''] ?? {
    status: 400,
    detail: `the request is not valid HTTP/1.1 (${error.code ?? 'unparsable'})`,
  };
  ANSWERED.add(socket);
  socket.end(closingAnswer(httpErrorProblem(status, detail)));
  lingerThenClose(socket);
}

/** Connections whose refusal went out. */
const ANSWERED = new WeakSet<Duplex>();

/** How long a refused client may go on sending before its connection is cut. */
const LINGER_MS = 2_000;

/**
 * Reads on, and drops, what the client still sends after its refusal (the rest of an oversized
 * header, say) until it closes its side or LINGER_MS pass. Closed with unread bytes, a connection
 * is reset, and a reset can discard the answer before the client has read it: curl reported a
 * broken pipe instead of the 431 one time in three.
 */
function lingerThenClose(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('data', () => undefined);
  socket.resume();
}

/** A whole answer with `problem` as its body (and `headers`), on a connection that closes after it. */
export function closingAnswer(problem: Problem, headers: Readonly<Record<string, string>> = {}): string {
  const body = problemBody(problem);
  const line = `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`;
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `${line}\r\n${extra}Content-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`;
}
