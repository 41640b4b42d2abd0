import type { DeviceId } from '../domain/device-id.js';
import type { UpdateAttempt } from '../domain/fleet/update-attempt.js';
import type { CapState } from '../domain/rollout/offer-caps.js';

/** Update attempts (see UpdateAttempt), kept by id. Every write resolves once it is durable. */
export interface UpdateAttemptStore {
  /**
   * For every device, its newest `perDevice` attempts (by id, which ascends in offer order),
   * in ascending device id order and newest first within a device, produced in batches.
   */
  recent(perDevice: number): AsyncIterable<UpdateAttempt>;
  /** One device's newest attempts, newest first, at most `limit`. */
  forDevice(deviceId: DeviceId, limit: number): Promise<UpdateAttempt[]>;
  /** Every stored attempt of the rollout (see UpdateAttempt.rollout), ascending by id (offer order). */
  forRollout(rolloutId: string): Promise<UpdateAttempt[]>;
  /**
   * The rollout's load at `at` as stored (see storedRolloutLoad): what every server sharing the
   * storage has offered on its strength, for its caps.
   */
  rolloutLoad(rolloutId: string, at: number, staleMs: number): Promise<CapState>;
  /**
   * The attempts not ended (not in a final state) that offer `file` (or, given a `patchId`, that
   * patch), whose offer was answered to `address`, last updated at or after `since`, each its
   * device's newest: what a download from that address naming that file or patch with no device
   * named may belong to (see UpdateAttempt.offerAddress).
   */
  openOffers(
    offer: { readonly file: string } | { readonly patchId: string },
    address: string,
    since: number,
  ): Promise<UpdateAttempt[]>;
  /** Inserts the attempts or replaces those with the same id, in one durable write. */
  putMany(attempts: readonly UpdateAttempt[]): Promise<void>;
  /**
   * Replaces the stored attempt `next.id` with `next` only while it is stored as `previous` (the
   * same state, downloads, bytes served and update time): how a server sharing the storage
   * writes what a download changed, so that what another server wrote of the same attempt since
   * it read it is never overwritten (it reads again instead). Resolves to whether it replaced
   * it; durable when it did.
   */
  replaceIf(next: UpdateAttempt, previous: UpdateAttempt): Promise<boolean>;
  /** Removes every attempt of the device; resolves to how many there were. */
  deleteDevice(deviceId: DeviceId): Promise<number>;
  /**
   * Removes attempts last updated before `before` (epoch ms), and of each device all but its
   * newest `keepPerDevice` (default: no such limit), except each device's newest one (a device's
   * current attempt is never pruned); resolves to how many went.
   */
  pruneBefore(before: number, keepPerDevice?: number): Promise<number>;
  close(): Promise<void>;
}

export const UPDATE_ATTEMPT_STORE = Symbol.for('fuota.UpdateAttemptStore');
