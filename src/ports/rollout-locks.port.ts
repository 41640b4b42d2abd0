/** Gives up a lock (or several) taken with RolloutLocks.lock. */
export type RolloutLockRelease = () => Promise<void>;

/**
 * One holder at a time per rollout, among every server sharing the storage and within each: a
 * new offer on a rollout's strength is decided (its caps read from storage) and its attempt
 * stored under the rollout's lock, so that concurrent polls to different servers cannot both
 * pass a cap.
 */
export interface RolloutLocks {
  /** Whether other servers may share the storage (else a server's memory already sees every offer). */
  readonly shared: boolean;
  /**
   * Resolves once this holder alone holds every one of these rollouts' locks (taken in one
   * order, so that two holders of overlapping sets never wait for each other); the release
   * gives them all up. Rejects when the storage cannot be reached (holding nothing then).
   */
  lock(rolloutIds: readonly string[]): Promise<RolloutLockRelease>;
}

export const ROLLOUT_LOCKS = Symbol.for('fuota.RolloutLocks');
