import { FAILED_ATTEMPT_STATES } from '../fleet/attempt-state.js';
import type { UpdateFilePath } from '../update-file-path.js';
import type { PenaltyRule } from './rollout-definition.js';
import type { PastAttempt } from './rollout-device.js';

const HOUR_MS = 3_600_000;

/** An image as the penalty box tells images apart: its path and its version (a file replaced in place is another image). */
export interface PenalizedImage {
  readonly file: UpdateFilePath;
  readonly version: string;
}

/** A device in the box for one image: how many failures put it there, and until when it stays. */
export interface Penalty {
  readonly failures: number;
  readonly lastFailureAt: number;
  readonly until: number;
}

/**
 * Whether a device is in the penalty box for `image` at `now`: its attempts of that image failed
 * (rolled-back, download-failed, refused or silent, the outcomes that count against an update)
 * at least `rule.failures` times after the last clearing, and the last of them was less than
 * `rule.hours` ago. A failure's time is its attempt's `updatedAt`, when it entered the failed state.
 *
 * Failures do not expire with the box: a device that fails once more after its time in the box
 * is back in it at once, for another `rule.hours` (it has shown it fails; an operator who fixed
 * the cause clears the box). Which rollout offered the attempts does not matter: an image that
 * failed on a device three times failed there, whoever offered it.
 */
export function penaltyOf(
  attempts: readonly PastAttempt[],
  image: PenalizedImage,
  rule: PenaltyRule,
  clearedAt: number | null,
  now: number,
): Penalty | null {
  const failedAt = failureTimes(attempts, image, clearedAt);
  if (failedAt.length < rule.failures) return null;
  const lastFailureAt = Math.max(...failedAt);
  const until = lastFailureAt + rule.hours * HOUR_MS;
  return now < until ? { failures: failedAt.length, lastFailureAt, until } : null;
}

/**
 * The penalty that `failed` (an attempt just resolved as failed) put the device in, or null when
 * it does not put it in the box or the device was in it already: the moment for a
 * `device.penalized` event, which is therefore emitted once per stay in the box. `earlier` are
 * the device's other attempts, without `failed`.
 */
export function penaltyStartedBy(
  earlier: readonly PastAttempt[],
  failed: PastAttempt,
  rule: PenaltyRule,
  clearedAt: number | null,
): Penalty | null {
  if (!FAILED_ATTEMPT_STATES.has(failed.state) || failed.version === null) return null;
  const image: PenalizedImage = { file: failed.file, version: failed.version };
  const at = failed.updatedAt;
  if (penaltyOf(earlier, image, rule, clearedAt, at) !== null) return null;
  return penaltyOf([...earlier, failed], image, rule, clearedAt, at);
}

function failureTimes(attempts: readonly PastAttempt[], image: PenalizedImage, clearedAt: number | null): number[] {
  return attempts
    .filter(
      (attempt) =>
        attempt.file === image.file &&
        attempt.version === image.version &&
        FAILED_ATTEMPT_STATES.has(attempt.state) &&
        (clearedAt === null || attempt.updatedAt > clearedAt),
    )
    .map((attempt) => attempt.updatedAt);
}
