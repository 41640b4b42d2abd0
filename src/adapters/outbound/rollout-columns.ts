import type { HaltReason } from '../../domain/rollout/halt-check.js';
import type { Rollout } from '../../domain/rollout/rollout.js';

/**
 * A rollout as the values of the `rollout` table's columns, in their order (id, definition, state,
 * wave, created_at, updated_at, started_at, wave_started_at, resumed_at, halt_reason, ended_at,
 * halt_resumed_at, resumed_at_written): the same for the sql.js and PostgreSQL tables (JSON text
 * for the two JSON columns, which PostgreSQL casts to jsonb).
 */
export function rolloutColumnValues(rollout: Rollout): Array<string | number | null> {
  return [
    rollout.id,
    JSON.stringify(rollout.definition),
    rollout.state,
    rollout.wave,
    rollout.createdAt,
    rollout.updatedAt,
    rollout.startedAt,
    rollout.waveStartedAt,
    rollout.resumedAt,
    rollout.haltReason === null ? null : JSON.stringify(rollout.haltReason),
    rollout.endedAt,
    rollout.haltResumedAt ?? NEVER_RESUMED_FROM_HALT,
    rollout.resumedAt ?? NEVER_RESUMED_FROM_HALT,
  ];
}

/**
 * `halt_resumed_at` of a rollout never resumed from a halt. NULL is kept for rows written before
 * the column existed (by an older release, or replayed from its journal, or written by one still
 * running beside this one on a shared database): those counted failures from any resume.
 */
const NEVER_RESUMED_FROM_HALT = 0;

/**
 * `Rollout.haltResumedAt` from its columns. A row from before the column keeps the old rule
 * (failures count from any resume), and so does one an older release resumed after this one
 * wrote it (during a rolling upgrade on a shared database): its `resumed_at` is then not the one
 * this code wrote beside `halt_resumed_at` (`resumed_at_written`), and whether that resume was
 * from a halt is not known.
 */
export function haltResumedAtOf(
  column: number | null,
  resumedAt: number | null,
  resumedAtWritten: number | null,
): number | null {
  if (column === null) return resumedAt;
  if (resumedAtWritten !== null && resumedAtWritten !== (resumedAt ?? NEVER_RESUMED_FROM_HALT)) return resumedAt;
  return column === NEVER_RESUMED_FROM_HALT ? null : column;
}

/** A halt reason as a row holds it: one written before devices that booted the image were counted has no `provisional`. */
export type StoredHaltReason = Omit<HaltReason, 'provisional' | 'waveDevices'> & {
  readonly provisional?: number;
  readonly waveDevices?: number | null;
};

/** `Rollout.haltReason` from its column: an older row's reason counted no provisional device, nor the wave's. */
export function storedHaltReason(stored: StoredHaltReason): HaltReason {
  return { ...stored, provisional: stored.provisional ?? 0, waveDevices: stored.waveDevices ?? null };
}
