import cluster from 'node:cluster';

/**
 * Set by the primary on each worker it forks: the worker's slot, 1 to FUOTA_WORKERS, which a
 * restarted worker takes over (so its metrics' `worker` label keeps a bounded set of values).
 * Not a setting: the primary's, for its workers.
 */
export const WORKER_SLOT_VARIABLE = 'FUOTA_WORKER_SLOT';

/** Who this process is among FUOTA_WORKERS' workers. */
export interface WorkerIdentity {
  readonly slot: number;
  readonly pid: number;
}

/** This process's identity as one of the primary's workers, or undefined when it is none. */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): WorkerIdentity | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(env[WORKER_SLOT_VARIABLE]);
  return { slot: Number.isInteger(slot) && slot > 0 ? slot : (cluster.worker?.id ?? 0), pid: process.pid };
}
