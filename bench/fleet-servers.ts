import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { MeasuredServer } from './fleet-step.js';
import { processTree } from './process-tree.js';
import type { RunningProcess } from './processes.js';
import { FUOTA_READY, startNode } from './processes.js';

/** A server configuration measured: its storage and how many worker processes serve. */
export interface FleetConfiguration {
  readonly name: string;
  readonly storage: 'sqljs' | 'postgres';
  readonly workers: number;
}

export const FLEET_CONFIGURATIONS: readonly FleetConfiguration[] = [
  { name: 'sql.js, one process', storage: 'sqljs', workers: 1 },
  { name: 'PostgreSQL, 1 worker', storage: 'postgres', workers: 1 },
  { name: 'PostgreSQL, 2 workers', storage: 'postgres', workers: 2 },
];

export interface StartedFleetServer extends MeasuredServer {
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

export type FleetServerStart =
  | { readonly available: true; readonly server: StartedFleetServer }
  | { readonly available: false; readonly reason: string };

/** The PostgreSQL backends connected to the database at `url` (the server's pool), by pid. */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/**
 * Starts the built server (`main`) in `configuration` on `dataDir` (which holds the device rows
 * for sql.js; its certificate for every storage) and, for PostgreSQL, on the database at
 * `databaseUrl`. A configuration this build cannot run (FUOTA_WORKERS refused, or ignored: the
 * server started one process) is answered as unavailable with the reason, not thrown.
 */
export async function startFleetServer(
  main: string,
  configuration: FleetConfiguration,
  options: { dataDir: string; databaseUrl?: string; username: string; password: string; authorization: string },
): Promise<FleetServerStart> {
  const env: Record<string, string> = {
    FUOTA_HOST: '127.0.0.1',
    FUOTA_PORT: '0',
    FUOTA_DATA_DIR: options.dataDir,
    FUOTA_USERNAME: options.username,
    FUOTA_PASSWORD: options.password,
  };
  if (configuration.storage === 'postgres') {
    if (options.databaseUrl === undefined) return { available: false, reason: 'no PostgreSQL database' };
    env.FUOTA_DATABASE_URL = options.databaseUrl;
  }
  if (configuration.workers > 1) env.FUOTA_WORKERS = String(configuration.workers);
  let running: RunningProcess;
  try {
    running = await startNode(main, env, FUOTA_READY);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const refusal = /FUOTA_WORKERS[^\n]*/.exec(text)?.[0];
    return { available: false, reason: refusal ?? text.split('\n').slice(0, 3).join(' ') };
  }
  const processes = processTree(running.pid).length;
  if (configuration.workers > 1 && processes < configuration.workers + 1) {
    await running.stop();
    return {
      available: false,
      reason: `FUOTA_WORKERS=${configuration.workers} not supported by this build (it started ${processes} process)`,
    };
  }
  const databaseUrl = options.databaseUrl;
  return {
    available: true,
    server: {
      process: running,
      pid: running.pid,
      target: {
        port: running.port,
        ca: await readFile(join(options.dataDir, 'tls', 'cert.pem'), 'utf8'),
        authorization: options.authorization,
      },
      ...(configuration.storage === 'postgres' && databaseUrl !== undefined
        ? { databasePids: () => backendPids(databaseUrl) }
        : {}),
      stop: () => running.stop(),
    },
  };
}
