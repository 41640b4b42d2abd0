/**
 * Where one offer of a file to a device stands, inferred from the device's polls and downloads
 * alone (see attempt-transitions.ts for the signals).
 */
export const ATTEMPT_STATES = [
  'offered',
  'downloading',
  'downloaded',
  'provisional',
  'succeeded',
  'rolled-back',
  'download-failed',
  'refused',
  'silent',
  'withdrawn',
] as const;

export type AttemptState = (typeof ATTEMPT_STATES)[number];

/**
 * States no signal leaves. `silent` is not one of them: a device that comes back after the
 * silence timeout still says how the update ended (it polls the new version, or the old one).
 * `withdrawn` is an offer taken back before the device fetched any of it (its rollout halted or
 * was aborted): it ends the attempt and is no outcome of the update, neither success nor failure.
 */
export const FINAL_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set([
  'succeeded',
  'rolled-back',
  'download-failed',
  'refused',
  'withdrawn',
]);

/** The outcomes that count against an update (a staged rollout halts on them). */
export const FAILED_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set([
  'rolled-back',
  'download-failed',
  'refused',
  'silent',
]);

export function isAttemptState(value: string): value is AttemptState {
  return (ATTEMPT_STATES as readonly string[]).includes(value);
}

export function isFinalAttemptState(state: AttemptState): boolean {
  return FINAL_ATTEMPT_STATES.has(state);
}
