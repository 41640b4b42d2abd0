import type { DeviceId } from '../device-id.js';
import type { AttemptState } from '../fleet/attempt-state.js';
import type { UpdateAttempt } from '../fleet/update-attempt.js';
import type { ImageFacts } from './image-facts.js';
import type { RolloutId } from './rollout-id.js';

/** What the penalty box reads of a device's past attempts. */
export type PastAttempt = Pick<UpdateAttempt, 'file' | 'version' | 'state' | 'updatedAt'>;

/** The attempt a device has open (not yet resolved), with the rollout that made it; null for a device row's offer. */
export interface OpenAttempt {
  readonly id: string;
  readonly rolloutId: RolloutId | null;
  readonly state: AttemptState;
}

/**
 * A device as the rollout rules see it at a poll (the app assembles it from the inventory, the
 * image index and the attempt store). Times are epoch milliseconds.
 */
export interface RolloutDevice {
  readonly id: DeviceId;
  /** Sorted or not: only membership is asked. */
  readonly tags: readonly string[];
  /** The version the device reports running. */
  readonly runningVersion: string;
  /** The stored image of that version; null when none is stored (then chip, project and secure_version are unknown). */
  readonly runningImage: ImageFacts | null;
  /** An operator's hold: no offers from any rollout. */
  readonly hold: boolean;
  /** Versions that rolled back on this device since an operator last cleared them: never offered again. */
  readonly rolledBackVersions: ReadonlySet<string>;
  /** The device's attempts (any rollout, any file), for the penalty box; the newest 100 are enough. */
  readonly attempts: readonly PastAttempt[];
  /** When an operator last cleared the device's penalty box; failures until then no longer count. */
  readonly penaltyClearedAt: number | null;
  /** At most one: a device is offered nothing new while an attempt is open. */
  readonly openAttempt: OpenAttempt | null;
}
