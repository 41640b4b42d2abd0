import type { RolloutLockRelease, RolloutLocks } from '../../../ports/rollout-locks.port.js';

/**
 * Rollout locks within one process: the embedded database's and memory's (no other server
 * shares them), and the first step of the PostgreSQL locks (one holder per process asks the
 * database). Each rollout's holders queue in order of asking.
 */
export class InProcessRolloutLocks implements RolloutLocks {
  readonly shared: boolean = false;
  private readonly tails = new Map<string, Promise<void>>();

  async lock(rolloutIds: readonly string[]): Promise<RolloutLockRelease> {
    const releases: Array<() => void> = [];
    for (const id of inLockOrder(rolloutIds)) releases.push(await this.lockOne(id));
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  private async lockOne(id: string): Promise<() => void> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(id, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(id) === tail) this.tails.delete(id);
    };
  }
}

/** The one order every holder takes locks in: unique ids, ascending by code unit. */
export function inLockOrder(rolloutIds: readonly string[]): string[] {
  return [...new Set(rolloutIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
