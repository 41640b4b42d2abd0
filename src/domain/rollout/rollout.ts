import type { HaltReason } from './halt-check.js';
import type { RolloutDefinition } from './rollout-definition.js';
import type { RolloutId } from './rollout-id.js';
import type { RolloutState } from './rollout-state.js';

/** A rollout as stored: its definition and where it stands. Times are epoch milliseconds. */
export interface Rollout {
  readonly id: RolloutId;
  readonly definition: RolloutDefinition;
  readonly state: RolloutState;
  /** Index in `definition.waves` of the current wave; 0 until started. */
  readonly wave: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** null while draft. */
  readonly startedAt: number | null;
  /** When the current wave began (the start, or the last advance); null while draft. */
  readonly waveStartedAt: number | null;
  /** When an operator last resumed it (from a pause or a halt); null if never. */
  readonly resumedAt: number | null;
  /**
   * When an operator last resumed it from a halt: the failures before then were judged by that
   * operator, so the halt rule counts from then. A resume from a pause judges nothing and leaves
   * it. null if never.
   */
  readonly haltResumedAt: number | null;
  /** Set while halted; cleared on resume (the halt event keeps it). */
  readonly haltReason: HaltReason | null;
  /** When it completed or was aborted; null before. */
  readonly endedAt: number | null;
}

/** A new rollout: a draft, offering nothing. */
export function draftRollout(id: RolloutId, definition: RolloutDefinition, at: number): Rollout {
  return {
    id,
    definition,
    state: 'draft',
    wave: 0,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    waveStartedAt: null,
    resumedAt: null,
    haltResumedAt: null,
    haltReason: null,
    endedAt: null,
  };
}

/** The percentage of selected devices the current wave holds. */
export function currentWavePercent(rollout: Rollout): number {
  return rollout.definition.waves[rollout.wave] ?? 0;
}

export function isLastWave(rollout: Rollout): boolean {
  return rollout.wave >= rollout.definition.waves.length - 1;
}

/**
 * From when attempts count towards the halt and advance rules: the later of the current wave's
 * beginning and the last resume from a halt (the operator has judged the earlier failures). A
 * pause and its resume change nothing: failures before a pause still count after it, or pausing
 * and resuming would clear a count short of the rule. null while draft.
 */
export function countingSince(rollout: Rollout): number | null {
  if (rollout.waveStartedAt === null) return null;
  return Math.max(rollout.waveStartedAt, rollout.haltResumedAt ?? rollout.waveStartedAt);
}
