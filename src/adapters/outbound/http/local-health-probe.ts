import { request } from 'node:https';

const TIMEOUT_MS = 4_000;

/**
 * Asks a server on this machine for `GET /healthz` and resolves with the status (0 when nothing
 * answered in time). It talks to its own server over loopback and checks liveness, not identity,
 * so the certificate is not verified: it may be a generated one the probe has no copy of.
 */
export function probeLocalHealth(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: '/healthz', method: 'GET', rejectUnauthorized: false, agent: false, timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}
