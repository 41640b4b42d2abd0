/** Gaps shorter than this are retries or bursts (a reboot, a failed download), not the device's schedule. */
export const MIN_POLL_GAP_MS = 1_000;
/** How much a new gap moves the learned interval: enough to follow a changed schedule within a few polls, not one odd gap. */
export const POLL_INTERVAL_WEIGHT = 0.25;
/** The least silence that makes a device overdue, so that devices polling every minute are not flagged by one lost poll. */
export const MIN_OVERDUE_MS = 15 * 60_000;
/** How many learned intervals a device may miss before it is overdue. */
export const OVERDUE_INTERVALS = 3;

/**
 * The learned interval between a device's checks after one more gap: an exponentially weighted
 * moving average (the first gap is taken as it is), rounded to whole milliseconds. Gaps under
 * 1 s leave it unchanged.
 */
export function learnPollInterval(previousMs: number | null, gapMs: number): number | null {
  if (!(gapMs >= MIN_POLL_GAP_MS)) return previousMs;
  if (previousMs === null) return Math.round(gapMs);
  return Math.round(previousMs + POLL_INTERVAL_WEIGHT * (gapMs - previousMs));
}

/**
 * Whether a device last seen at `lastSeen` should have checked again by `now`: more than three
 * learned intervals (at least 15 minutes) have passed, or 15 minutes when no interval is known yet.
 */
export function isOverdue(lastSeen: number, pollIntervalMs: number | null, now: number): boolean {
  const allowed =
    pollIntervalMs === null ? MIN_OVERDUE_MS : Math.max(OVERDUE_INTERVALS * pollIntervalMs, MIN_OVERDUE_MS);
  return now - lastSeen > allowed;
}
