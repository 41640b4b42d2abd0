import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createServer } from 'node:net';

/** A TCP server that accepts connections and never says a word: a database that hangs. */
export interface SilentTcpServer {
  readonly port: number;
  /** Resolves at the first connection accepted. */
  readonly connected: Promise<void>;
  close(): Promise<void>;
}

export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  let heard: () => void = () => {};
  const connected = new Promise<void>((resolve) => (heard = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    heard();
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    connected,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
