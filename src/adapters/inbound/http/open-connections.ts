import type { Socket } from 'node:net';
import type { Server } from 'node:tls';

/** The TCP connections a TLS server holds, HTTP ones or not. */
export interface OpenConnections {
  /** Destroys every one still open. */
  destroyAll(): void;
}

/**
 * Node's `closeAllConnections` reaches HTTP connections only: one still in its TLS handshake
 * (a client that connected and sent nothing, a stalled handshake) would hold a stopping server
 * until the handshake timeout. This keeps every accepted connection until it closes, so that
 * `stop()` can cut those too. It takes the TLS server's one 'connection' listener's place
 * (a second listener would make every connection's event dearer) and does no more per
 * connection than a Set entry and a shared 'close' listener.
 */
export function trackOpenConnections(server: Server): OpenConnections {
  const open = new Set<Socket>();
  function forget(this: Socket): void {
    open.delete(this);
  }
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', forget);
  };
  const listeners = server.listeners('connection');
  const takeTls = listeners[0] as ((socket: Socket) => void) | undefined;
  if (listeners.length === 1 && takeTls !== undefined) {
    server.removeListener('connection', takeTls);
    server.on('connection', (socket: Socket) => {
      track(socket);
      takeTls.call(server, socket);
    });
  } else {
    server.on('connection', track);
  }
  return {
    destroyAll: () => {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
