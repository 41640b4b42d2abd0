import { Worker } from 'node:worker_threads';
import type { DeltaSettings } from '../../../app/delta/delta-settings.js';
import type {
  DeltaBuildRequest,
  DeltaBuildResult,
  DeltaPatchBuilder,
} from '../../../ports/delta-patch-builder.port.js';
import type { BuildReply } from './delta-build-worker.js';

const MIB = 1024 * 1024;

/**
 * What a build of this pair may take: the codec's buffers (a suffix array of 4-byte entries and
 * its helpers over the base, the encoder's tables over the patch data, the rebuilt target) live in
 * ArrayBuffers, which a worker's `resourceLimits` do not count. So pairs are bounded up front.
 * The peak RSS growth of a build and its check, measured for similar and for unrelated pairs of
 * 2 and 8 MiB images, was 41-52 and 118-127 MiB (docs/performance.md): a fixed part and about 15
 * times one image's size. The estimate stays above both.
 */
export function estimatedBuildBytes(baseSize: number, targetSize: number): number {
  return 32 * MIB + 12 * baseSize + 6 * targetSize;
}

/** The compiled worker beside this file (dist/src/... in a build, as the Docker image runs it). */
const WORKER_URL = new URL('./delta-build-worker.js', import.meta.url);

/**
 * Runs each build in a worker thread of its own, at most `concurrency` at once (the rest wait
 * their turn), with the heap capped at `buildMemoryMiB` and the build stopped (the worker
 * terminated) after `buildTimeoutMs`. A fresh worker per build: a build that ran out of memory
 * or time leaves nothing behind, and builds are rare (uploads, rollouts, new bases).
 */
export class WorkerDeltaPatchBuilder implements DeltaPatchBuilder {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(private readonly settings: Pick<DeltaSettings, 'buildTimeoutMs' | 'buildMemoryMiB' | 'concurrency'>) {}

  async build(request: DeltaBuildRequest): Promise<DeltaBuildResult> {
    const estimate = estimatedBuildBytes(request.base.length, request.target.length);
    if (estimate > this.settings.buildMemoryMiB * MIB) {
      return {
        kind: 'failed',
        fault: 'too-large',
        detail: `the pair needs about ${Math.ceil(estimate / MIB)} MiB to build (32 MiB, 12x the base and 6x the target), above FUOTA_DELTA_BUILD_MEMORY_MIB=${this.settings.buildMemoryMiB}`,
      };
    }
    await this.turn();
    try {
      if (this.closed) return { kind: 'failed', fault: 'error', detail: 'the server is stopping' };
      return await this.run(request);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
    for (const next of this.waiting.splice(0)) next();
  }

  private async turn(): Promise<void> {
    if (this.running < this.settings.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private run(request: DeltaBuildRequest): Promise<DeltaBuildResult> {
    // Copies of their own, moved (not cloned) into the worker: the caller's may share a pool.
    const base = Uint8Array.from(request.base);
    const target = Uint8Array.from(request.target);
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.settings.buildMemoryMiB },
    });
    this.workers.add(worker);
    return new Promise<DeltaBuildResult>((resolve) => {
      let settled = false;
      const finish = (result: DeltaBuildResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.workers.delete(worker);
        void worker.terminate();
        resolve(result);
      };
      const timer = setTimeout(
        () =>
          finish({
            kind: 'failed',
            fault: 'timeout',
            detail: `the build took longer than FUOTA_DELTA_BUILD_TIMEOUT_SECONDS=${this.settings.buildTimeoutMs / 1000}`,
          }),
        this.settings.buildTimeoutMs,
      );
      worker.once('message', (reply: BuildReply) => {
        if (reply.kind === 'built') finish({ kind: 'built', patch: new Uint8Array(reply.patch) });
        else finish({ kind: 'failed', fault: reply.kind, detail: reply.detail });
      });
      worker.once('error', (error: Error & { code?: string }) => {
        finish(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? {
                kind: 'failed',
                fault: 'out-of-memory',
                detail: `the build ran out of its FUOTA_DELTA_BUILD_MEMORY_MIB=${this.settings.buildMemoryMiB} heap`,
              }
            : { kind: 'failed', fault: 'error', detail: error.message },
        );
      });
      worker.once('exit', (code) => {
        finish({ kind: 'failed', fault: 'error', detail: `the build's worker stopped (exit code ${code})` });
      });
      worker.postMessage({ base, target, baseImageSha256: request.baseImageSha256 }, [base.buffer, target.buffer]);
    });
  }
}
