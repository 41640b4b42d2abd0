import type { Call, LoadTarget } from './load.js';
import { call } from './load.js';

const MiB = 1024 * 1024;

/** The operator credential every benchmarked server (fuota and the floors) is started with. */
export const BENCH_CREDENTIAL = { username: 'bench', password: 'bench-secret' };
export const AUTHORIZATION = `Basic ${Buffer.from(`${BENCH_CREDENTIAL.username}:${BENCH_CREDENTIAL.password}`).toString('base64')}`;

/** fuota's environment for a benchmark: loopback, any free port, the bench credential, large uploads. */
export function fuotaEnv(dataDir: string): Record<string, string> {
  return {
    FUOTA_HOST: '127.0.0.1',
    FUOTA_PORT: '0',
    FUOTA_DATA_DIR: dataDir,
    FUOTA_USERNAME: BENCH_CREDENTIAL.username,
    FUOTA_PASSWORD: BENCH_CREDENTIAL.password,
    FUOTA_MAX_UPLOAD_BYTES: String(300 * MiB),
  };
}

/** The device check measured: bench-dev reports the version its row names, and is told the row's path (200). */
export const CHECK: Call = { method: 'GET', path: '/devices/bench-dev?app_ver=1.0', expect: 200 };

/** Gives bench-dev its row (1.0 -> bench/app-1.5m.bin) on a server, fuota or floor alike. */
export async function assignBenchDevice(target: LoadTarget): Promise<void> {
  await call(target, false, {
    method: 'PUT',
    path: '/devices/bench-dev',
    headers: { 'Content-Type': 'text/csv' },
    body: '"bench-dev","1.0","bench/app-1.5m.bin"',
    expect: 200,
  });
}
