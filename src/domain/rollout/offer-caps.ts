import type { RolloutDefinition } from './rollout-definition.js';

/** The window of `maxOffersPerMinute`. */
export const OFFER_WINDOW_MS = 60_000;

/** A rollout's load at the moment of a poll. */
export interface CapState {
  /** Its attempts in flight (offered, downloading, downloaded, provisional; see wave-sample.ts). */
  readonly inFlight: number;
  /** When it made its recent offers (epoch ms); older ones may be left in, they are not counted. */
  readonly recentOffers: readonly number[];
}

export type CapRefusal = 'over-in-flight-cap' | 'over-offer-rate-cap';

export type Caps = Pick<RolloutDefinition, 'maxInFlight' | 'maxOffersPerMinute'>;

/**
 * Whether one more offer at `now` keeps within both caps: fewer than `maxInFlight` attempts in
 * flight, and fewer than `maxOffersPerMinute` offers in the 60 s ending at `now` (a sliding
 * window: an offer at `t` counts while `now - t < 60 s`). null admits it; otherwise the cap it
 * would break (the in-flight cap first). Offers "from the future" (a clock stepped back) count
 * as recent, so a clock change cannot open the gate.
 *
 * Callers must record the admitted offer (and its attempt) before admitting the next one: under
 * concurrent polls the check and the record are one step (the app serializes them per rollout).
 */
export function capRefusal(caps: Caps, state: CapState, now: number): CapRefusal | null {
  if (state.inFlight >= caps.maxInFlight) return 'over-in-flight-cap';
  if (offersInWindow(state.recentOffers, now) >= caps.maxOffersPerMinute) return 'over-offer-rate-cap';
  return null;
}

/** Offers counted in the window ending at `now`. */
export function offersInWindow(offers: readonly number[], now: number): number {
  return offers.filter((at) => now - at < OFFER_WINDOW_MS).length;
}

/** The offers still worth keeping at `now` (the rest can never count again, unless the clock steps back). */
export function pruneOffers(offers: readonly number[], now: number): readonly number[] {
  return offers.filter((at) => now - at < OFFER_WINDOW_MS);
}
