import { Agent, request } from 'node:https';

export interface LoadTarget {
  readonly port: number;
  readonly ca: string;
  readonly authorization: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  readonly bytes: number;
  readonly seconds: number;
}

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  readonly expect: number;
}

/** One request; resolves with the body's byte count, or rejects on an unexpected status. */
export function call(target: LoadTarget, agent: Agent | false, spec: Call): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: target.authorization, ...spec.headers };
    if (spec.body !== undefined) headers['Content-Length'] = Buffer.byteLength(spec.body);
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: spec.path,
        method: spec.method,
        headers,
        ca: target.ca,
        servername: 'localhost',
        agent,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          res.statusCode === spec.expect
            ? resolve(bytes)
            : reject(new Error(`${spec.method} ${spec.path}: ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

/**
 * `concurrency` loops issuing `next()` requests for `seconds`, over keep-alive connections or a
 * new TLS connection for every request (as ESP32 devices do).
 */
export async function runLoad(
  target: LoadTarget,
  options: { concurrency: number; seconds: number; keepAlive: boolean; next: (i: number) => Call },
): Promise<LoadResult> {
  const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: options.concurrency }) : false;
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  let requests = 0;
  let failures = 0;
  let bytes = 0;
  let counter = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          // Not `bytes += await ...`: that reads `bytes` before the await and drops what the
          // other loops added meanwhile (it made the download figures a fraction of the truth).
          const received = await call(target, agent, options.next(counter++));
          bytes += received;
          requests += 1;
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (agent) agent.destroy();
  return { requests, failures, bytes, seconds };
}
