import type { Rollout } from '../../domain/rollout/rollout.js';

/**
 * A rollout as the values of the `rollout` table's columns, in their order (id, definition, state,
 * wave, created_at, updated_at, started_at, wave_started_at, resumed_at, halt_reason, ended_at):
 * the same for the sql.js and PostgreSQL tables (JSON text for the two JSON columns, which
 * PostgreSQL casts to jsonb).
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
  ];
}
