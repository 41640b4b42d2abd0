import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { DELTA_BUILD_OUTCOMES } from '../../../app/delta/delta-build-state.js';
import type { DeltaService } from '../../../app/delta/delta-service.js';

/**
 * The delta patches as Prometheus metrics: builds this server finished by outcome (stored,
 * not-smaller, failed), and the stored patches (every server on shared storage reports the same
 * count; the builds are each server's own).
 */
export function registerDeltaMetrics(
  registry: Registry,
  deltas: Pick<DeltaService, 'buildCounts' | 'patchCount'>,
): void {
  const builds: Counter<'outcome'> = new Counter({
    name: 'fuota_delta_builds_total',
    help: 'Delta patch builds this server finished, by outcome: stored, not-smaller (not under FUOTA_DELTA_MAX_RATIO), failed.',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect: () => {
      builds.reset();
      const counts = deltas.buildCounts();
      for (const outcome of DELTA_BUILD_OUTCOMES) builds.inc({ outcome }, counts.get(outcome) ?? 0);
    },
  });
  const patches = new Gauge({
    name: 'fuota_delta_patches',
    help: 'Delta patches stored.',
    registers: [registry],
    collect: () => {
      patches.set(deltas.patchCount());
    },
  });
}
