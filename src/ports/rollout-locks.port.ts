/** Gives up a lock (or several) taken with RolloutLocks.tryLock. */
export type RolloutLockRelease = () => Promise<void>;

/**
 * One holder at a time per rollout, among every server sharing the storage and within each: a
 * new offer on a rollout's strength is decided (its caps read from storage) and its attempt
 * stored under the rollout's lock, so that concurrent polls to different servers cannot both
 * pass a cap. Nobody waits for a lock: a device whose offer cannot be decided now is told to
 * poll again, which it does anyway.
 */
export interface RolloutLocks {
  /** Whether other servers may share the storage (else a server's memory already sees every offer). */
  readonly shared: boolean;
  /**
   * Takes every one of these rollouts' locks at once, or none: undefined when another holder
   * has one of them (or this server holds as many locks as it may at once). The release gives
   * them all up. Rejects when the storage cannot be reached (holding nothing then).
   */
  tryLock(rolloutIds: readonly string[]): Promise<RolloutLockRelease | undefined>;
}

export const ROLLOUT_LOCKS = Symbol.for('fuota.RolloutLocks');
