import { inCandidateOrder } from './candidate-order.js';
import { deviceInWave, ineligibilityOf, type IneligibleReason } from './device-eligibility.js';
import { capRefusal, type CapRefusal, type CapState } from './offer-caps.js';
import { currentWavePercent, type Rollout } from './rollout.js';
import type { RolloutDevice } from './rollout-device.js';
import type { RolloutId } from './rollout-id.js';
import type { RolloutTarget } from './rollout-target.js';
import type { VersionScheme } from './version-scheme.js';

/** A rollout that might offer to the polling device: where it stands, its target now, its load. */
export interface RolloutCandidate {
  readonly rollout: Rollout;
  readonly target: RolloutTarget;
  readonly caps: CapState;
}

/**
 * What became of one rollout at a poll (the dashboard's "why was this device not offered"):
 *
 * - `offer`: this rollout offers its target (a new attempt).
 * - `repeat-offer`: the device asked again while this rollout's offer is still `offered` (within
 *   the attempts' grace): the same attempt is answered again; no new attempt, no cap counted.
 * - `paused`, `halted`, `not-running`: the rollout's state (draft, completed, aborted) offers nothing.
 * - `not-selected` and the exclusion reasons (offer-rules.ts): the definition does not want the device.
 * - `open-attempt`: the device has another attempt open (of any rollout, or of its device row).
 * - `outranked`: another rollout that wants the device comes first (candidate-order.ts).
 * - `not-in-wave`: the device's bucket is beyond the current wave.
 * - `over-in-flight-cap`, `over-offer-rate-cap`: the rollout is at a cap; the device polls again.
 */
export type RolloutVerdict =
  | 'offer'
  | 'repeat-offer'
  | 'paused'
  | 'halted'
  | 'not-running'
  | IneligibleReason
  | 'open-attempt'
  | 'outranked'
  | 'not-in-wave'
  | CapRefusal;

export interface RolloutOffer {
  readonly rolloutId: RolloutId;
  readonly target: RolloutTarget;
  /** The attempt answered again (`repeat-offer`); null for a new offer. */
  readonly repeatOf: string | null;
}

export interface RolloutDecision {
  /** null: no rollout offers (the poll gets today's answer: 204 with a device row, 404 without). */
  readonly offer: RolloutOffer | null;
  /** One per candidate, in candidate order. */
  readonly verdicts: readonly { readonly rolloutId: RolloutId; readonly verdict: RolloutVerdict }[];
}

/**
 * Steps 3-5 of the decision for a poll that no device row answered: the rollouts that
 * want the device (running, selector, every rule), tried in candidate order; the first of them
 * is the one (its wave and caps then say offer or not: a device outside the first rollout's wave
 * or over its cap gets no offer from a rollout ranked after it, so it is not updated twice on
 * the way). A device with an open attempt gets nothing new: only its own offer again, if that
 * rollout still wants it. Pure and deterministic: the same facts give the same decision,
 * whatever the order of `candidates`.
 */
export function decideRolloutOffer(
  device: RolloutDevice,
  candidates: readonly RolloutCandidate[],
  scheme: VersionScheme,
  now: number,
): RolloutDecision {
  const verdicts: { readonly rolloutId: RolloutId; readonly verdict: RolloutVerdict }[] = [];
  let offer: RolloutOffer | null = null;
  // Whether a rollout that wants the device came before: every later one is outranked.
  let chosen = false;
  for (const candidate of inCandidateOrder(candidates, scheme)) {
    const { rollout, target } = candidate;
    const refusal = refusalOf(candidate, device, scheme, now);
    const verdict = refusal ?? (chosen ? 'outranked' : gateOf(candidate, device, now));
    chosen ||= refusal === null;
    if (verdict === 'offer') offer = { rolloutId: rollout.id, target, repeatOf: null };
    if (verdict === 'repeat-offer') offer = { rolloutId: rollout.id, target, repeatOf: device.openAttempt?.id ?? null };
    verdicts.push({ rolloutId: rollout.id, verdict });
  }
  return { offer, verdicts };
}

/** Why a rollout does not want the device at all: its state, its definition, or another open attempt; null: it wants it. */
function refusalOf(
  { rollout, target }: RolloutCandidate,
  device: RolloutDevice,
  scheme: VersionScheme,
  now: number,
): RolloutVerdict | null {
  const unwanted = stateVerdict(rollout) ?? ineligibilityOf(rollout.definition, target, device, scheme, now);
  if (unwanted !== null) return unwanted;
  const open = device.openAttempt;
  if (open !== null && (open.rolloutId !== rollout.id || open.state !== 'offered')) return 'open-attempt';
  return null;
}

/** Step 5 for the rollout chosen: its wave, then its caps (a repeated offer made no new attempt, so no cap applies). */
function gateOf({ rollout, caps }: RolloutCandidate, device: RolloutDevice, now: number): RolloutVerdict {
  if (!deviceInWave(rollout.id, device, currentWavePercent(rollout))) return 'not-in-wave';
  if (device.openAttempt !== null) return 'repeat-offer';
  return capRefusal(rollout.definition, caps, now) ?? 'offer';
}

function stateVerdict(rollout: Rollout): 'paused' | 'halted' | 'not-running' | null {
  switch (rollout.state) {
    case 'running':
      return null;
    case 'paused':
    case 'halted':
      return rollout.state;
    default:
      return 'not-running';
  }
}
