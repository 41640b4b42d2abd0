import { expect } from 'chai';
import { request } from 'node:https';
import type { RunningTestServer } from './test-server.js';
import { testCertificate } from './test-server.js';

/**
 * Opens `/api/v1/events/stream` on `server` with a session `cookie`, runs `act` once the stream
 * answered 200, and resolves whether the stream ended within `timeoutMs` (a sign-out, here or on
 * another server, must end it).
 */
export async function eventStreamEndsAfter(
  server: RunningTestServer,
  cookie: string,
  act: () => void,
  timeoutMs: number,
): Promise<boolean> {
  const ca = (await testCertificate()).cert;
  const base = new URL(server.client.baseUrl);
  return new Promise<boolean>((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: '/api/v1/events/stream',
        headers: { Cookie: cookie, Accept: 'text/event-stream' },
        agent: false,
        servername: 'localhost',
        ca,
      },
      (stream) => {
        expect(stream.statusCode).to.equal(200);
        stream.resume();
        const timer = setTimeout(() => resolve(false), timeoutMs);
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(true);
        });
        act();
      },
    );
    req.on('error', reject);
    req.end();
  });
}
