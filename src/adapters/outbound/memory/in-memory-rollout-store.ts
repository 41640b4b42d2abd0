import type { Rollout } from '../../../domain/rollout/rollout.js';
import type { RolloutStore } from '../../../ports/rollout-store.port.js';

/** Rollouts in a Map (which keeps insertion order), for tests and throw-away servers: nothing survives the process. */
export class InMemoryRolloutStore implements RolloutStore {
  private readonly rollouts = new Map<string, Rollout>();

  async list(): Promise<Rollout[]> {
    return [...this.rollouts.values()].map(copyRollout);
  }

  async put(rollout: Rollout): Promise<void> {
    // Map.set on a key it has keeps the key's place: a replace keeps the creation order.
    this.rollouts.set(rollout.id, copyRollout(rollout));
  }

  async close(): Promise<void> {}
}

/** A deep copy (what callers hold must not change what is stored): the definition is plain JSON data. */
function copyRollout(rollout: Rollout): Rollout {
  return structuredClone(rollout);
}
