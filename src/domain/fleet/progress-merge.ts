import { deliveredSize } from './attempt-transitions.js';
import { addSpan, coversWhole } from './byte-coverage.js';
import type { UpdateAttempt } from './update-attempt.js';

/** The states a download moves an attempt through; any other was reached by a poll or by time. */
const DOWNLOAD_STATES: ReadonlySet<UpdateAttempt['state']> = new Set(['offered', 'downloading', 'downloaded']);

const DOWNLOAD_ORDER: readonly UpdateAttempt['state'][] = ['offered', 'downloading', 'downloaded'];

/** Whether a download can still move the attempt (it has not been resolved or passed on to a poll's judgement). */
export function isDownloadState(state: UpdateAttempt['state']): boolean {
  return DOWNLOAD_STATES.has(state);
}

/**
 * One attempt's download progress as two servers recorded it, together: `stored` as the storage
 * holds it (another server's Range requests of the same download may have added to it), `mine`
 * as this server made it. The bytes served add up (a union), the downloads counted are the more
 * of the two, and the state follows: downloaded once the union covers the file. Its update time
 * is later than both, so that every server takes it for the newer copy.
 *
 * A stored attempt a poll or the clock moved past the download states (provisional, or resolved)
 * is returned as it is (===): a download's late report changes neither its state nor the time it
 * was resolved at, which the rollouts' counts go by. A copy of mine so moved stands over a stored
 * one still downloading. Copies in two forms (the full file and a patch) do not add up: the one
 * further along stands (the stored one when they are as far).
 */
export function mergedProgress(stored: UpdateAttempt, mine: UpdateAttempt, at: number): UpdateAttempt {
  if (!isDownloadState(stored.state)) return stored;
  const updatedAt = Math.max(at, mine.updatedAt, stored.updatedAt + 1);
  if (stored.downloadedAs !== null && mine.downloadedAs !== null && stored.downloadedAs !== mine.downloadedAs) {
    // Never back: a download whole in one form stays downloaded while the other form begins.
    return DOWNLOAD_ORDER.indexOf(stored.state) >= DOWNLOAD_ORDER.indexOf(mine.state) ? stored : { ...mine, updatedAt };
  }
  let served = stored.served;
  for (const span of mine.served) served = addSpan(served, span);
  const progress = {
    served,
    downloads: Math.max(stored.downloads, mine.downloads),
    attribution: stored.attribution ?? mine.attribution,
    downloadedAs: stored.downloadedAs ?? mine.downloadedAs,
    updatedAt,
  };
  if (!isDownloadState(mine.state)) return { ...mine, ...progress };
  const merged: UpdateAttempt = { ...stored, ...progress };
  if (coversWhole(served, deliveredSize(merged))) {
    return { ...merged, state: 'downloaded', downloadedAt: stored.downloadedAt ?? mine.downloadedAt ?? at };
  }
  const begun = merged.downloads > 0 || served.length > 0;
  return { ...merged, state: begun ? 'downloading' : stored.state, downloadedAt: null };
}
