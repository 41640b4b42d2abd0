import type { DeviceId } from '../../domain/device-id.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import type { FleetOfferPolicy } from '../fleet/fleet-tracker.js';

/**
 * A poll's fleet policy, and what it holds while the offer it may make is recorded: when servers
 * share the storage, the locks of the rollouts that may make a new offer (see RolloutLocks).
 */
export interface OfferPolicyLease {
  readonly policy: FleetOfferPolicy;
  release(): Promise<void>;
}

/**
 * The fleet policy (rollouts) for one poll that its device row does not answer with an offer.
 * Getting it may read the device's past attempts (the penalty box needs them), so it is asked
 * before the check is recorded; the policy itself then decides synchronously, within the turn
 * that records the poll and the offer.
 */
export interface OfferPolicySource {
  /** Whether any rollout runs: when none does (most servers, most of the time), a check asks nothing more. */
  offering(): boolean;
  /** Whether a download of this attempt's offer path is still served (see RolloutService.offerStands). */
  offerStands(attempt: UpdateAttempt): boolean;
  /**
   * undefined when no running rollout could want the device: most polls, at the cost of a lookup.
   * The lease must be released once the check's record is durable (or failed).
   */
  policyFor(deviceId: DeviceId, running: string): Promise<OfferPolicyLease | undefined>;
}
