import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';

/** A TLS connection to the test server on which a test writes raw HTTP bytes. */
export async function openRawTls(port: number, ca: string): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server sends until it closes the connection or `until` matches. */
export function readResponse(
  socket: TLSSocket,
  until?: (text: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no complete answer within ${timeoutMs} ms; got ${JSON.stringify(text)}`)),
      timeoutMs,
    );
    const finish = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (until?.(text)) finish();
    };
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export function basicHeader(username: string, password: string): string {
  return `Authorization: Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
