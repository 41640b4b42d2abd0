import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCertificate } from './test-server.js';

/**
 * An HTTPS server that starts an answer and never ends it: a GET gets its headers and half of
 * `size` bytes, then nothing; a PUT is invited (100 Continue), then never read. A transfer to
 * it stays under way, its progress bar on screen, until the client gives up.
 */
export interface StallingServer {
  readonly url: string;
  /** The size every GET announces. */
  readonly size: number;
  close(): Promise<void>;
}

export async function startStallingServer(size = 4 * 1024 * 1024): Promise<StallingServer> {
  const stall = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(size / 2, 1));
    } else {
      res.writeContinue();
      req.pause();
    }
  };
  const server = createServer(await testCertificate(), stall).on('checkContinue', stall);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    size,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
