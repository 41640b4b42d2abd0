import cluster, { type Address, type Worker } from 'node:cluster';
import type { Logger } from '../../ports/logger.port.js';
import { WORKER_SLOT_VARIABLE } from './worker-identity.js';

/** How a pool restarts and stops its workers. */
export interface WorkerPoolTiming {
  /** The wait before the first restart of a worker that died; it doubles with each quick death. */
  readonly firstRestartMs: number;
  /** The longest wait before a restart. */
  readonly longestRestartMs: number;
  /** A worker that served this long before it died is restarted after the first wait again. */
  readonly stableMs: number;
  /** How long a stopping worker may take to finish its requests before it is killed. */
  readonly stopGraceMs: number;
}

export const DEFAULT_WORKER_TIMING: WorkerPoolTiming = {
  firstRestartMs: 1_000,
  longestRestartMs: 30_000,
  stableMs: 60_000,
  stopGraceMs: 30_000,
};

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  /** Deaths in a row, each before the worker had served `stableMs`. */
  quickDeaths: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * FUOTA_WORKERS' worker processes (node:cluster: they share the primary's listening port, each
 * connection going to one of them in turn). Each has a slot, 1 to `size`, which a replacement
 * takes over. A worker that dies while serving is restarted after a wait that doubles with each
 * death in a row (1 s, 2 s, 4 s... at most 30 s), so a worker that cannot start (its database
 * gone) does not spin; one that dies before every worker first listened fails the start.
 */
export class WorkerPool {
  private readonly slots = new Map<number, Slot>();
  private phase: 'starting' | 'serving' | 'stopping' = 'starting';
  private readonly exited = new Set<() => void>();

  constructor(
    private readonly size: number,
    /** Added to each worker's environment (the primary's own is inherited). */
    private readonly env: Readonly<Record<string, string>>,
    private readonly logger: Logger,
    private readonly timing: WorkerPoolTiming = DEFAULT_WORKER_TIMING,
  ) {}

  /** How many workers run now. */
  get running(): number {
    let count = 0;
    for (const slot of this.slots.values()) if (slot.worker !== undefined) count += 1;
    return count;
  }

  /**
   * Forks every worker; resolves with the address they listen on once each listens, rejects
   * (after stopping the others) when one exits first.
   */
  start(): Promise<Address> {
    return new Promise<Address>((resolve, reject) => {
      const listening = new Set<number>();
      const onListening = (number: number, address: Address) => {
        listening.add(number);
        if (this.phase === 'starting' && listening.size === this.size) {
          this.phase = 'serving';
          resolve(address);
        }
      };
      const onStartFailure = (number: number, code: number | null, signal: string | null) => {
        const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
        reject(new Error(`worker ${number} stopped during start-up (${how}); its message is above`));
        void this.stop();
      };
      for (let number = 1; number <= this.size; number += 1) {
        this.slots.set(number, { worker: undefined, startedAt: 0, quickDeaths: 0, restart: undefined });
        this.fork(number, onListening, onStartFailure);
      }
    });
  }

  /** Asks every worker to stop (SIGTERM), kills one still running after the grace period. */
  async stop(): Promise<void> {
    this.phase = 'stopping';
    const running: Worker[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.restart);
      slot.restart = undefined;
      if (slot.worker !== undefined) running.push(slot.worker);
    }
    if (running.length === 0) return;
    const allExited = new Promise<void>((resolve) => {
      const check = () => {
        if (this.running > 0) return;
        this.exited.delete(check);
        resolve();
      };
      this.exited.add(check);
    });
    for (const worker of running) worker.process.kill('SIGTERM');
    const grace = setTimeout(() => {
      for (const slot of this.slots.values()) {
        if (slot.worker === undefined) continue;
        this.logger.warn('worker did not stop in time; killing it', {
          worker: this.numberOf(slot),
          pid: slot.worker.process.pid,
        });
        slot.worker.process.kill('SIGKILL');
      }
    }, this.timing.stopGraceMs);
    await allExited;
    clearTimeout(grace);
  }

  private fork(
    number: number,
    onListening: (number: number, address: Address) => void,
    onStartFailure: (number: number, code: number | null, signal: string | null) => void,
  ): void {
    const slot = this.slots.get(number);
    if (slot === undefined) return;
    const worker = cluster.fork({ ...this.env, [WORKER_SLOT_VARIABLE]: String(number) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    worker.once('listening', (address: Address) => {
      if (this.phase === 'serving' && slot.quickDeaths > 0)
        this.logger.info('worker restarted', { worker: number, pid: worker.process.pid });
      onListening(number, address);
    });
    worker.once('exit', (code: number | null, signal: string | null) => {
      slot.worker = undefined;
      for (const notify of [...this.exited]) notify();
      if (this.phase === 'stopping') return;
      if (this.phase === 'starting') {
        onStartFailure(number, code, signal);
        return;
      }
      const served = Date.now() - slot.startedAt;
      if (served >= this.timing.stableMs) slot.quickDeaths = 0;
      const waitMs = Math.min(this.timing.longestRestartMs, this.timing.firstRestartMs * 2 ** slot.quickDeaths);
      slot.quickDeaths += 1;
      this.logger.warn('worker exited; restarting it', {
        worker: number,
        pid: worker.process.pid,
        code,
        signal,
        restartInMs: waitMs,
      });
      slot.restart = setTimeout(() => {
        slot.restart = undefined;
        if (this.phase === 'serving') this.fork(number, onListening, onStartFailure);
      }, waitMs);
    });
  }

  private numberOf(slot: Slot): number {
    for (const [number, candidate] of this.slots) if (candidate === slot) return number;
    return 0;
  }
}
