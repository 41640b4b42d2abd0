import type { DeviceId } from '../device-id.js';
import type { UpdateFilePath } from '../update-file-path.js';
import type { AttemptState } from './attempt-state.js';

/**
 * How downloads were tied to the device: `direct` when it authenticated as itself (its own
 * credential or certificate), `inferred` when a shared credential's download was matched to the
 * device offered that file from the same address shortly before.
 */
export type DownloadAttribution = 'direct' | 'inferred';

/**
 * How a file reaches a device: as the full image, or as a patch from the image it runs (a
 * device that asked for one with `delta=`), which it applies to rebuild the same full image.
 */
export type DeliveryForm = 'patch' | 'full';

/** A half-open byte span `[start, end)` of a file that the server has sent. */
export type ByteSpan = readonly [start: number, end: number];

/** One offer of a file to a device and what became of it. Times are epoch milliseconds. */
export interface UpdateAttempt {
  /** Unique and ascending in offer order (see attempt-id.ts). */
  readonly id: string;
  readonly deviceId: DeviceId;
  readonly file: UpdateFilePath;
  readonly fileSize: number;
  /** The offered image's version; null when the file is not an image that names one. */
  readonly version: string | null;
  /** The version the device ran when the file was offered. */
  readonly fromVersion: string;
  readonly state: AttemptState;
  readonly offeredAt: number;
  readonly updatedAt: number;
  /** null until a download is tied to the attempt. */
  readonly attribution: DownloadAttribution | null;
  /** Download requests tied to the attempt. */
  readonly downloads: number;
  /** The bytes sent so far, merged, ascending (see byte-coverage.ts). */
  readonly served: readonly ByteSpan[];
  /** When the device first polled with the offered version; null before. */
  readonly provisionalAt: number | null;
  /** Polls reporting the offered version since `provisionalAt`. */
  readonly pollsSinceProvisional: number;
  /** When the whole file had been sent; null before. */
  readonly downloadedAt: number | null;
  /** The rollout whose offer this is, and the index of its wave then; null for a device row's offer. */
  readonly rollout: AttemptRollout | null;
  /** Whether the latest answer offering the file named a patch or the full file. */
  readonly offeredAs: DeliveryForm;
  /**
   * The form of the downloads tied to the attempt (the latest one's, when a device changed
   * form); null before the first. `served` and `downloaded` count bytes of this form: of the
   * patch (`patchSize` of them) or of the file (`fileSize`).
   */
  readonly downloadedAs: DeliveryForm | null;
  /** The offered patch's size in bytes (its 64-byte header included); null when offered as the full file. */
  readonly patchSize: number | null;
  /** The offered patch's id (see delta-path.ts), which its downloads name; null when offered as the full file. */
  readonly patchId: string | null;
  /**
   * The client address the offer was last answered to; null for an attempt stored before this
   * was kept. A download with the shared credential names no device: a server that did not make
   * the offer (another instance or worker sharing the storage) ties it to the attempt by this.
   */
  readonly offerAddress: string | null;
}

/** The patch an offer names, when it names one. */
export interface OfferedPatch {
  readonly id: string;
  readonly size: number;
}

/** Which rollout made an offer, in which of its waves (the per-wave counts read it). */
export interface AttemptRollout {
  readonly id: string;
  readonly wave: number;
}
