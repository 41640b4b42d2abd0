import type { Rollout } from '../domain/rollout/rollout.js';

/** Rollouts (definition and where each stands), kept by id. Every write resolves once it is durable. */
export interface RolloutStore {
  /** Every rollout, in creation order (the order of each id's first put; a replace keeps its place). */
  list(): Promise<Rollout[]>;
  /** Inserts the rollout or replaces the one with the same id, in one durable write. */
  put(rollout: Rollout): Promise<void>;
  close(): Promise<void>;
}

export const ROLLOUT_STORE = Symbol.for('fuota.RolloutStore');
