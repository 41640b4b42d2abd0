import type { RolloutLockRelease, RolloutLocks } from '../../../ports/rollout-locks.port.js';

/** Rollout locks within one process: the embedded database's and memory's (no other server shares them). */
export class InProcessRolloutLocks implements RolloutLocks {
  readonly shared: boolean = false;
  private readonly held = new Set<string>();

  async tryLock(rolloutIds: readonly string[]): Promise<RolloutLockRelease | undefined> {
    const ids = [...new Set(rolloutIds)];
    if (ids.some((id) => this.held.has(id))) return undefined;
    for (const id of ids) this.held.add(id);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      for (const id of ids) this.held.delete(id);
    };
  }
}
