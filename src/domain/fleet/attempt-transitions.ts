import type { DeviceId } from '../device-id.js';
import type { UpdateFilePath } from '../update-file-path.js';
import { attemptId } from './attempt-id.js';
import type { AttemptRules } from './attempt-rules.js';
import type { AttemptSignal } from './attempt-signal.js';
import { isFinalAttemptState, type AttemptState } from './attempt-state.js';
import { addSpan, coversWhole, highestServedEnd, servedBytes } from './byte-coverage.js';
import type {
  AttemptRollout,
  ByteSpan,
  DeliveryForm,
  DownloadAttribution,
  OfferedPatch,
  UpdateAttempt,
} from './update-attempt.js';

/*
 * How an update attempt moves, from nothing but the device's polls and downloads (issue 16).
 *
 *   state             entered when
 *   offered           a 200 answer named a file (offerAttempt; the only way an attempt begins)
 *   downloading       the device's first request for that file (GET or HEAD)
 *   downloaded        the bytes served cover the whole file (ranges add up; resumed downloads count)
 *   provisional       a poll reports the offered image's version
 *   succeeded         that version holds for N more polls or T minutes
 *   rolled-back       the old version polls again after downloaded or provisional
 *   download-failed   the old version polls again while the download is incomplete
 *   refused           only the image header was fetched, then the old version polls again
 *   silent            no poll within a timeout after downloaded: a possible brick
 *   withdrawn         the offer's rollout halted or was aborted before any of the file was
 *                     fetched (the offer is taken back: no outcome, neither success nor failure)
 *
 * What the table leaves open, decided here:
 *
 * - "The old version" is any version that is not the offered one. When the offered file names
 *   no version (not an image), only `fromVersion` is the old version and any other one is taken
 *   as the offered file's.
 * - A poll reporting the offered version makes any state before provisional (offered,
 *   downloading, downloaded, silent) provisional, even when the download was not seen whole:
 *   the device runs the image, so it got it (over another connection, a shared credential
 *   whose download could not be tied to it, a restart of the server).
 * - The poll that makes an attempt provisional is not one of the N more polls; each later one
 *   is, and the T minutes are measured from it by a later poll too: the version "holds" only as
 *   long as the device says so, and a tick never confirms success. A device that goes quiet
 *   after provisional has booted the image; its silence is the inventory's business (overdue,
 *   see poll-interval.ts), not an outcome of the attempt.
 * - Refused needs at least one byte of the file: a device that got nothing (a HEAD alone, a
 *   request that failed at once) cannot have read the header, so its return to the old version
 *   is a failed download. Offered then the old version is a failed download too (0 bytes),
 *   unless that poll comes within `offerGraceMs` of the offer: then it is the same check
 *   repeated, and the offer stands (the same object).
 * - Bytes served while offered mean the device asked for the file even though no
 *   download-started was seen (signals of one request may arrive in either order), so they move
 *   the attempt on to downloading (or downloaded) without counting a download.
 * - After each download signal in offered or downloading, the attempt is downloaded exactly
 *   when the served spans cover the file: for an empty file that is the first request.
 * - Spans are clipped to the file (the server cannot send bytes past its end); a span adding no
 *   new byte is not a new fact. Later states (downloaded, provisional, silent) still record
 *   bytes and downloads, but no download signal moves them: only a poll says what runs.
 * - Silent is the only state a tick enters, and only from downloaded, measured from
 *   `downloadedAt` (bytes re-sent afterwards do not restart the clock). A stalled download
 *   (downloading, forever) or an offer never taken stays where it is; the caller decides when a
 *   newer offer supersedes it.
 * - Delta updates: an offer names the full file or a patch to it (`offeredAs`). Downloads say
 *   which they fetched; the bytes served, `downloaded` and refusal are measured against that
 *   form's size (a patch of 40 KiB sent whole is a downloaded attempt). A download of the other
 *   form than the last one's starts the count anew (its bytes are not the same bytes). What the
 *   device then boots is the same image either way, so the polls move the attempt as before.
 * - Final states (succeeded, rolled-back, download-failed, refused) ignore every signal; silent
 *   is not final: the device may still come back with either version.
 *
 * Every function is pure; `advanceAttempt` returns its argument itself (===) when a signal
 * changes nothing, so callers store and log only real changes.
 */

export interface AttemptOffer {
  readonly deviceId: DeviceId;
  readonly file: UpdateFilePath;
  readonly fileSize: number;
  /** The offered image's version; null when the file is not an image that names one. */
  readonly version: string | null;
  /** The version the device reported in the poll that was answered with the offer. */
  readonly fromVersion: string;
  readonly at: number;
  /** The rollout making the offer; absent for a device row's. */
  readonly rollout?: AttemptRollout;
  /** The patch the answer names instead of the file; absent when it names the full file. */
  readonly patch?: OfferedPatch;
  /** The client address the answer went to. */
  readonly address: string;
}

/**
 * A new attempt in `offered`. The poll answered with the offer is not a signal of the attempt it
 * creates (it reports the old version, which would fail it at once).
 */
export function offerAttempt(offer: AttemptOffer): UpdateAttempt {
  return {
    id: attemptId(offer.at, offer.deviceId),
    deviceId: offer.deviceId,
    file: offer.file,
    fileSize: offer.fileSize,
    version: offer.version,
    fromVersion: offer.fromVersion,
    state: 'offered',
    offeredAt: offer.at,
    updatedAt: offer.at,
    attribution: null,
    downloads: 0,
    served: [],
    provisionalAt: null,
    pollsSinceProvisional: 0,
    downloadedAt: null,
    rollout: offer.rollout ?? null,
    offeredAs: offer.patch === undefined ? 'full' : 'patch',
    downloadedAs: null,
    patchSize: offer.patch?.size ?? null,
    patchId: offer.patch?.id ?? null,
    offerAddress: offer.address,
  };
}

/**
 * The attempt answered again with the same file, now as `patch` (or as the full file when
 * undefined), to `address`: a patch may become ready between two polls, or go, and a device may
 * poll from another address. The same object when the form, the patch and the address are
 * unchanged.
 */
export function reofferAttempt(
  attempt: UpdateAttempt,
  patch: OfferedPatch | undefined,
  at: number,
  address: string,
): UpdateAttempt {
  if ((patch?.id ?? null) === attempt.patchId && address === attempt.offerAddress) return attempt;
  return {
    ...attempt,
    updatedAt: at,
    offeredAs: patch === undefined ? 'full' : 'patch',
    patchSize: patch?.size ?? null,
    patchId: patch?.id ?? null,
    offerAddress: address,
  };
}

/** The bytes a whole download of the attempt's downloaded form has: the patch's or the file's. */
export function deliveredSize(attempt: UpdateAttempt): number {
  return attempt.downloadedAs === 'patch' && attempt.patchSize !== null ? attempt.patchSize : attempt.fileSize;
}

/** Whether a poll reporting `version` reports the attempt's offered version (else: the old version). */
export function reportsOfferedVersion(attempt: UpdateAttempt, version: string): boolean {
  return attempt.version !== null ? version === attempt.version : version !== attempt.fromVersion;
}

/** The attempt after one signal: the same object when nothing changes, else a copy with `updatedAt` = the signal's time. */
export function advanceAttempt(attempt: UpdateAttempt, signal: AttemptSignal, rules: AttemptRules): UpdateAttempt {
  if (isFinalAttemptState(attempt.state)) return attempt;
  switch (signal.kind) {
    case 'poll':
      return reportsOfferedVersion(attempt, signal.version)
        ? offeredVersionPolled(attempt, signal.at, rules)
        : oldVersionPolled(attempt, signal.at, rules);
    case 'download-started':
      return downloadStarted(inForm(attempt, signal.form ?? 'full', signal.at), signal.at, signal.attribution);
    case 'bytes-served':
      return bytesServed(inForm(attempt, signal.form ?? 'full', signal.at), signal.at, signal.span);
    case 'tick':
      return ticked(attempt, signal.at, rules);
    case 'withdrawn':
      // Only an offer the device has fetched nothing of: a download under way may finish.
      return attempt.state === 'offered' ? { ...attempt, state: 'withdrawn', updatedAt: signal.at } : attempt;
  }
}

function offeredVersionPolled(attempt: UpdateAttempt, at: number, rules: AttemptRules): UpdateAttempt {
  if (attempt.state !== 'provisional' || attempt.provisionalAt === null) {
    return { ...attempt, state: 'provisional', updatedAt: at, provisionalAt: at, pollsSinceProvisional: 0 };
  }
  const pollsSinceProvisional = attempt.pollsSinceProvisional + 1;
  const holds = pollsSinceProvisional >= rules.successPolls || at - attempt.provisionalAt >= rules.successMs;
  return { ...attempt, state: holds ? 'succeeded' : 'provisional', updatedAt: at, pollsSinceProvisional };
}

function oldVersionPolled(attempt: UpdateAttempt, at: number, rules: AttemptRules): UpdateAttempt {
  if (attempt.state === 'offered' && at - attempt.offeredAt < rules.offerGraceMs) return attempt;
  return { ...attempt, state: outcomeOfOldVersion(attempt, rules), updatedAt: at };
}

/** What the old version polling again says about an attempt in a non-final state. */
function outcomeOfOldVersion(attempt: UpdateAttempt, rules: AttemptRules): AttemptState {
  switch (attempt.state) {
    case 'offered':
      return 'download-failed';
    case 'downloading':
      return onlyHeaderFetched(attempt, rules) ? 'refused' : 'download-failed';
    default:
      // downloaded, provisional, silent: the device had the whole image (or ran it) and runs the old one again.
      return 'rolled-back';
  }
}

/** Some bytes were sent, none past `refusalBytes`, and not the whole file. */
function onlyHeaderFetched(attempt: UpdateAttempt, rules: AttemptRules): boolean {
  return (
    servedBytes(attempt.served) > 0 &&
    highestServedEnd(attempt.served) <= rules.refusalBytes &&
    !coversWhole(attempt.served, deliveredSize(attempt))
  );
}

/** The attempt counting downloads of `form`: the same object when it already does, else with nothing served of it yet. */
function inForm(attempt: UpdateAttempt, form: DeliveryForm, at: number): UpdateAttempt {
  if (attempt.downloadedAs === form) return attempt;
  return { ...attempt, updatedAt: at, downloadedAs: form, served: attempt.downloadedAs === null ? attempt.served : [] };
}

function downloadStarted(attempt: UpdateAttempt, at: number, attribution: DownloadAttribution): UpdateAttempt {
  const recorded: UpdateAttempt = {
    ...attempt,
    updatedAt: at,
    attribution: attempt.attribution ?? attribution,
    downloads: attempt.downloads + 1,
  };
  return downloadProgressed(recorded, at);
}

function bytesServed(attempt: UpdateAttempt, at: number, span: ByteSpan): UpdateAttempt {
  const clipped: ByteSpan = [Math.max(span[0], 0), Math.min(span[1], deliveredSize(attempt))];
  const served = addSpan(attempt.served, clipped);
  if (served === attempt.served) return attempt;
  return downloadProgressed({ ...attempt, updatedAt: at, served }, at);
}

/** After a download signal: offered and downloading become downloaded once the file is covered, else downloading. */
function downloadProgressed(attempt: UpdateAttempt, at: number): UpdateAttempt {
  if (attempt.state !== 'offered' && attempt.state !== 'downloading') return attempt;
  if (coversWhole(attempt.served, deliveredSize(attempt))) return { ...attempt, state: 'downloaded', downloadedAt: at };
  return attempt.state === 'offered' ? { ...attempt, state: 'downloading' } : attempt;
}

function ticked(attempt: UpdateAttempt, at: number, rules: AttemptRules): UpdateAttempt {
  if (attempt.state !== 'downloaded' || attempt.downloadedAt === null) return attempt;
  if (at - attempt.downloadedAt < rules.silentMs) return attempt;
  return { ...attempt, state: 'silent', updatedAt: at };
}
