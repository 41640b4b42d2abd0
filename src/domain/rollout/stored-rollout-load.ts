import type { UpdateAttempt } from '../fleet/update-attempt.js';
import type { CapState } from './offer-caps.js';
import { OFFER_WINDOW_MS } from './offer-caps.js';
import { isInFlight } from './wave-sample.js';

/**
 * A rollout's load at `at` as its stored attempts tell it, whichever server made them: what the
 * caps judge when several servers offer on one rollout. In flight: the attempts of the rollout
 * that are their device's newest attempt (a newer one superseded it), in an in-flight state, and
 * heard of within `staleMs` (as RolloutLedger.inFlight counts them in memory). Recent offers: when
 * each of its attempts in the last minute began (each began with one new offer).
 */
export function storedRolloutLoad(
  attempts: Iterable<UpdateAttempt>,
  isNewestOfDevice: (attempt: UpdateAttempt) => boolean,
  at: number,
  staleMs: number,
): CapState {
  let inFlight = 0;
  const recentOffers: number[] = [];
  for (const attempt of attempts) {
    if (at - attempt.offeredAt < OFFER_WINDOW_MS) recentOffers.push(attempt.offeredAt);
    if (isInFlight(attempt.state) && at - attempt.updatedAt < staleMs && isNewestOfDevice(attempt)) inFlight += 1;
  }
  return { inFlight, recentOffers: recentOffers.sort((a, b) => a - b) };
}
