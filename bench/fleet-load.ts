import { Agent } from 'node:https';
import type { Call, LoadTarget } from './load.js';
import { call } from './load.js';

/** The id the seeded data dirs give device `i` (see seeded-rows.ts). */
export const seededDeviceId = (i: number) => `dev-${String(i).padStart(7, '0')}`;

/**
 * A check of a seeded device that is told 204: the seeded rows are for version 1.0.0, and the
 * device reports 0.9.0 (no update for it), the answer almost every check in a fleet gets.
 */
export const seededCheck = (i: number): Call => ({
  method: 'GET',
  path: `/devices/${seededDeviceId(i)}?app_ver=0.9.0`,
  expect: 204,
});

/** Every one of `count` seeded devices checks once, over `concurrency` kept-alive connections. */
export async function checkEveryDevice(target: LoadTarget, count: number, concurrency = 64): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await call(target, agent, seededCheck(next++));
      }),
    );
  } finally {
    agent.destroy();
  }
}
